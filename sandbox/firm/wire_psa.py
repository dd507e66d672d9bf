"""The PSA (Kantata OX) records of the firm: workspaces, stories, staffing, rate cards, time and expenses."""

from __future__ import annotations

import datetime as dt

import polars as pl

from .basics import CURRENCIES, ROLES, add_months, local_minor, to_ts
from .delivery import Delivery
from .ids import expense_id, missing_sow_ref, time_entry_id, workspace_id
from .plan import AS_OF, Firm
from .tables import frame
from .wire_crm_clm import contract_value

ROLE_IDS = {role: str(500 + i) for i, role in enumerate(ROLES)}
TASKS = ["Discovery", "Design", "Build", "Testing", "Training", "Project management"]
NOTES = ["Workshop", "Status meeting", "Configuration", "Data migration", "Documentation", "Testing"]
LAST_TS = to_ts(AS_OF, 22)


def _cur(code: str) -> dict[str, object]:
    c = CURRENCIES[code]
    return {"currency": code, "currency_base_unit": c.base_unit}


def kantata_tables(firm: Firm, d: Delivery) -> dict[str, pl.DataFrame]:
    ws, refs, stories, changes, rcv, rcr = [], [], [], [], [], []
    tasks_of: dict[int, list[str]] = {}
    story_seq = 800000
    ref_seq = 60000
    for p in d.projects:
        created = to_ts(p.start - dt.timedelta(days=3), 10)
        c = p.contract
        ws.append(
            {
                "id": workspace_id(p.idx),
                "title": p.title,
                "description": f"Delivery of {c.ironclad_id}" if c else p.title,
                "start_date": p.start,
                "due_date": c.end if c else add_months(AS_OF, 3),
                "price_in_cents": contract_value(c) if c else 0,
                **_cur(p.currency.code),
                "currency_symbol": p.currency.symbol,
                "rate_card_id": 3000 + p.idx if p.psa_rates else None,
                "archived": False,
                "stage": "In Progress",
                "created_at": created,
                "updated_at": created + dt.timedelta(hours=2),
            }
        )
        if p.kind != "internal":
            ref_seq += 1
            ref = c.ironclad_id if c else missing_sow_ref(p.idx)
            refs.append(
                {
                    "id": str(ref_seq),
                    "subject_type": "Workspace",
                    "subject_id": int(workspace_id(p.idx)),
                    "service_name": "ironclad",
                    "service_model": "sow",
                    "service_model_ref": ref,
                    "status": "synced",
                    "external_status": "active",
                    "locked": True,
                    "created_at": created,
                    "updated_at": created,
                    "last_synced_at": created,
                }
            )
        tasks_of[p.idx] = []
        for k, title in enumerate(TASKS[: 2 + p.idx % 4]):
            story_seq += 1
            tasks_of[p.idx].append(str(story_seq))
            stories.append(
                {
                    "id": str(story_seq),
                    "workspace_id": workspace_id(p.idx),
                    "parent_id": None,
                    "title": title,
                    "story_type": "task",
                    "state": "started",
                    "start_date": p.start,
                    "due_date": p.end,
                    "billable": bool(c and c.model == "time_and_materials"),
                    "fixed_fee": False,
                    "budget_estimate_in_cents": None,
                    "archived": False,
                    "created_at": created,
                    "updated_at": created,
                }
            )
        if p.psa_rates:
            rcv.append(
                {
                    "id": str(3000 + p.idx),
                    "rate_card_id": 3000 + p.idx,
                    "default_rate": p.default_rate,
                    **_cur(p.currency.code),
                    "created_at": created,
                    "updated_at": created,
                }
            )
            for role, rate in sorted(p.psa_rates.items()):
                rcr.append(
                    {
                        "id": f"{3000 + p.idx}{ROLE_IDS[role]}",
                        "rate_card_version_id": str(3000 + p.idx),
                        "role_id": ROLE_IDS[role],
                        "rate": rate,
                        "created_at": created,
                        "updated_at": created,
                    }
                )
    project_of = {p.contract.idx: p for p in d.projects if p.contract}
    for md in d.milestones:
        c, p = md.contract, project_of[md.contract.idx]
        every = dict(c.milestones)
        for co in c.approved():
            every.update(co.milestones)
        ms = every[md.mid]
        created = to_ts(p.start, 11)
        state = "accepted" if md.accepted else "completed" if md.completed else "not started"
        last = max([created] + [to_ts(x, 16) for x in (md.completed, md.accepted) if x])
        stories.append(
            {
                "id": md.story_id,
                "workspace_id": workspace_id(p.idx),
                "parent_id": None,
                "title": ms.name,
                "story_type": "milestone",
                "state": state,
                "start_date": p.start,
                "due_date": ms.planned,
                "billable": True,
                "fixed_fee": True,
                "budget_estimate_in_cents": ms.amount,
                "archived": False,
                "created_at": created,
                "updated_at": last,
            }
        )
        ref_seq += 1
        refs.append(
            {
                "id": str(ref_seq),
                "subject_type": "Story",
                "subject_id": int(md.story_id),
                "service_name": "ironclad",
                "service_model": "milestone",
                "service_model_ref": c.milestone_key(md.mid),
                "status": "synced",
                "external_status": "active",
                "locked": True,
                "created_at": created,
                "updated_at": created,
                "last_synced_at": created,
            }
        )
        for state_name, day in (("completed", md.completed), ("accepted", md.accepted)):
            if day:
                ts = to_ts(day, 16)
                changes.append(
                    {
                        "id": f"{md.story_id}{len(changes) % 10}{state_name[0]}",
                        "story_id": md.story_id,
                        "state": state_name,
                        "created_at": ts,
                        "updated_at": ts,
                    }
                )
    for i, ch in enumerate(changes):
        ch["id"] = str(900000 + i + 1)
    users, members = [], []
    for person in d.consultants:
        created = to_ts(AS_OF - dt.timedelta(days=1200 - person.idx % 300), 8)
        users.append(
            {
                "id": str(20000 + person.idx),
                "full_name": person.name,
                "email_address": f"{person.name.lower().replace(' ', '.')}@firm.example",
                "headline": ROLES[person.role][0],
                "country": person.country,
                "classification": "Internal",
                "created_at": created,
                "updated_at": created,
            }
        )
        members.append(
            {
                "id": str(30000 + person.idx),
                "user_id": str(20000 + person.idx),
                "default_role_id": ROLE_IDS[person.role],
                "cost_rate_in_cents": local_minor(person.cost_usd, CURRENCIES["USD"], step=100),
                **_cur("USD"),
                "created_at": created,
                "updated_at": created,
            }
        )
    roles = [
        {
            "id": rid,
            "name": ROLES[role][0],
            "created_at": to_ts(dt.date(2020, 1, 6)),
            "updated_at": to_ts(dt.date(2020, 1, 6)),
        }
        for role, rid in ROLE_IDS.items()
    ]
    return {
        "workspaces": frame("kantata", "workspaces", ws),
        "external_references": frame("kantata", "external_references", refs),
        "stories": frame("kantata", "stories", stories),
        "story_state_changes": frame("kantata", "story_state_changes", changes),
        "users": frame("kantata", "users", users),
        "account_memberships": frame("kantata", "account_memberships", members),
        "roles": frame("kantata", "roles", roles),
        "rate_card_versions": frame("kantata", "rate_card_versions", rcv),
        "rate_card_roles": frame("kantata", "rate_card_roles", rcr),
        "time_entries": time_entries(d, tasks_of),
        "expenses": expenses(d),
    }


def time_entries(d: Delivery, tasks_of: dict[int, list[str]]) -> pl.DataFrame:
    task_frame = pl.DataFrame(
        [(p, k, t) for p, ts in tasks_of.items() for k, t in enumerate(ts)],
        schema={"project": pl.Int64, "task_no": pl.Int64, "story_id": pl.String},
        orient="row",
    )
    n_tasks = pl.DataFrame(
        [(p, len(ts)) for p, ts in tasks_of.items()],
        schema={"project": pl.Int64, "n_tasks": pl.Int64},
        orient="row",
    )
    symbols = {code: c.symbol for code, c in CURRENCIES.items()}
    bases = {code: c.base_unit for code, c in CURRENCIES.items()}
    last = pl.lit(LAST_TS)
    t = d.time.join(n_tasks, on="project", how="left").with_columns(
        task_no=pl.col("entry") % pl.col("n_tasks")
    )
    t = t.join(task_frame, on=["project", "task_no"], how="left")
    created = pl.min_horizontal(
        pl.col("date").cast(pl.Datetime("us", "UTC"))
        + pl.duration(days=pl.col("u_created"), hours=pl.col("u_hour")),
        last,
    )
    invoiced_at = pl.col("date").dt.truncate("1mo").dt.offset_by("1mo").dt.offset_by("3d").cast(
        pl.Datetime("us", "UTC")
    ) + pl.duration(hours=10)
    out = t.select(
        id=(pl.col("entry") + 40_000_000).cast(pl.String),
        workspace_id=(pl.col("project") + 100000).cast(pl.String),
        story_id=pl.col("story_id"),
        user_id=(pl.col("consultant") + 20000).cast(pl.String),
        role_id=pl.col("role").replace_strict(ROLE_IDS, return_dtype=pl.String),
        date_performed=pl.col("date"),
        time_in_minutes=pl.col("minutes").cast(pl.Int64),
        billable=pl.col("billable"),
        rate_in_cents=pl.col("applied_rate").cast(pl.Int64),
        cost_rate_in_cents=pl.col("cost_rate").cast(pl.Int64),
        currency=pl.col("currency"),
        currency_base_unit=pl.col("currency").replace_strict(bases, return_dtype=pl.Int64),
        currency_symbol=pl.col("currency").replace_strict(symbols, return_dtype=pl.String),
        is_invoiced=pl.col("is_invoiced"),
        invoice_id=pl.lit(None, dtype=pl.String),
        approved=pl.col("date") <= pl.lit(AS_OF - dt.timedelta(days=7)),
        taxable=pl.lit(False),
        notes=pl.col("u_note").replace_strict(dict(enumerate(NOTES)), return_dtype=pl.String),
        created_at=created,
        updated_at=pl.when(pl.col("is_invoiced"))
        .then(pl.max_horizontal(invoiced_at, created))
        .otherwise(created),
    )
    assert out["id"].head(1).to_list() == [time_entry_id(int(d.time["entry"][0]))] if len(out) else True
    return frame("kantata", "time_entries", out.sort("id"))


def expenses(d: Delivery) -> pl.DataFrame:
    rows = []
    for (
        expense,
        project,
        consultant,
        day,
        category,
        amount,
        currency,
        billable,
        invoiced,
    ) in d.expenses.iter_rows():
        ts = to_ts(day, 18)
        rows.append(
            {
                "id": expense_id(expense),
                "workspace_id": workspace_id(project),
                "user_id": str(20000 + consultant),
                "date": day,
                "category": category,
                "notes": f"{category} for client work",
                "amount_in_cents": amount,
                **_cur(currency),
                "is_billable": billable,
                "is_invoiced": invoiced,
                "invoice_id": None,
                "created_at": min(ts, LAST_TS),
                "updated_at": min(ts, LAST_TS),
            }
        )
    return frame("kantata", "expenses", rows)
