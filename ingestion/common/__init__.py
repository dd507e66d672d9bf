"""What the four sources share: settings resolution, the allow-list, auth, the HTTP client with its
retry policy, typed errors, progress reporting and page → Arrow conversion."""
