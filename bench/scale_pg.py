"""PostgreSQL generator for bench/scale.py: the histories written by the database itself, in SQL.

The Python generator costs ≈ 0.5 ms of CPU per appeal (building dicts, due times, COPY formatting), so
10 M appeals took hours on a shared 2-core machine. Here every appeal's life is one row of a staging table
computed by INSERT … SELECT over generate_series, with deterministic pseudo-random draws
(`hashint8extended(appeal id, draw number)`), and the rows of every table are cut from it by one
INSERT … SELECT each, per chunk of appeals. The life cycle is the Python generator's (submit, dispatch,
return requests approved or rejected then redispatched, sign, first contact, 催办/督办, extensions, up to
three reply rounds with callbacks — not reached, unsatisfied → reopened —, merges, direct answers,
anonymous appeals closed after the reply), cut at `now` where the clock reaches it.

Due times are the services' (`deadlines.add_limit` with the spec's default limits): minutes, hours and
calendar days are intervals; working days come from a table of the n-th working day after each date,
computed in Python by `core.calendar.add_working_days` (holidays, 调休 and the admin's overrides).
`next_due` / `warn_at` are `deadlines.board_fields` in SQL. All times are whole seconds, so the warning
window (a quarter of a step) is exact in both. The monthly rate counters are one aggregate INSERT … SELECT
mirroring `counters.rebuild()`; `--check-generator` proves both equal on a small run.

Secondary indexes, unique and foreign-key constraints of the bulk tables are dropped before loading and
rebuilt afterwards (their DDL is kept in `bench_saved_ddl` until restored, so an interrupted run is repaired
by the next one).
"""

import time
from datetime import date, timedelta

from django.db import connection
from django.utils import timezone

from gongzhi.appeals import deadlines
from gongzhi.appeals.choices import LimitUnit, Step
from gongzhi.core.calendar import add_working_days, load_overrides

TZ = "Asia/Shanghai"
BULK_TABLES = [
    "appeals_appeal",
    "appeals_appealevent",
    "appeals_callback",
    "appeals_returnrequest",
    "appeals_extensionrequest",
    "appeals_supervision",
    "insight_hotspotmember",
]
MAX_WD = 6  # working days added: the limits (1) and the extensions (1–5)


def u(k: int) -> str:
    """Draw k of the current appeal: uniform in [0, 1), 53 bits of a hash of (id, k)."""
    return f"(((hashint8extended(i, {k}) >> 11) & 9007199254740991)::float8 / 9007199254740992.0)"


def secs(expr: str) -> str:
    return f"make_interval(secs => round({expr}))"


def hours(a: float, b: float, k: int) -> str:
    return secs(f"3600 * ({a} + {b - a} * {u(k)})")


def C(expr: str) -> str:
    """The moment if the clock has reached it, else NULL (and everything after it stays NULL)."""
    return f"(CASE WHEN {expr} < %(now)s THEN {expr} END)"


class Calendar:
    """wd(ts, n): the same local clock time on the n-th working day after ts's local date (SQL)."""

    def __init__(self, first: date, last: date):
        overrides = load_overrides()
        self.first = first
        days = (last - first).days + 1
        rows = []
        for n in range(1, MAX_WD + 1):
            rows.append(
                [
                    (add_working_days(first + timedelta(d), n, overrides=overrides) - first).days - d
                    for d in range(days)
                ]
            )
        self.literal = "'{" + ",".join("{" + ",".join(map(str, r)) + "}" for r in rows) + "}'::int[]"

    def create(self, cursor) -> None:
        cursor.execute(f"""
            CREATE OR REPLACE FUNCTION pg_temp.wd(ts timestamptz, n int) RETURNS timestamptz
            LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
              SELECT CASE WHEN n = 0 OR ts IS NULL THEN ts ELSE ts + make_interval(days =>
                ({self.literal})[n][(ts AT TIME ZONE '{TZ}')::date - DATE '{self.first}' + 1]) END $$""")


def due(step: str, start: str) -> str:
    """deadlines.add_limit(start, DEFAULT_LIMITS[step][profile]) as a CASE over the profile column."""
    branches = []
    for profile, limit in deadlines.DEFAULT_LIMITS[step].items():
        if limit is None:
            value = "NULL::timestamptz"
        elif limit.unit == LimitUnit.MINUTES:
            value = f"{start} + interval '{limit.amount} minutes'"
        elif limit.unit == LimitUnit.HOURS:
            value = f"{start} + interval '{limit.amount} hours'"
        elif limit.unit == LimitUnit.DAYS:
            value = f"{start} + interval '{limit.amount * 24} hours'"
        else:
            value = f"pg_temp.wd({start}, {limit.amount})"
        branches.append(f"WHEN '{profile}' THEN {value}")
    return f"(CASE profile {' '.join(branches)} END)"


def arr(values) -> str:
    return "ARRAY[" + ",".join("NULL" if v is None else str(v) for v in values) + "]::bigint[]"


def staging_sql(communities, units, categories) -> str:
    """One row per appeal i in [%(lo)s, %(hi)s]: its whole life (NULL from where `now` cut it)."""
    nc, nu, ng = len(communities), len(units), len(categories)
    base = f"""
      SELECT i, received, kind, urgency, anonymous, region, category, path,
        CASE WHEN kind = 'consultation' AND urgency = 'normal' THEN 'consultation' ELSE urgency END AS profile,
        ({arr(units)})[1 + floor({u(7)} * {nu})::int] AS unit1,
        ({arr(units)})[1 + floor({u(8)} * {nu})::int] AS unit2
      FROM (SELECT i,
          %(start)s + {secs(f"(i - 1 + {u(0)}) * %(step)s")} AS received,
          CASE WHEN {u(1)} < 0.50 THEN 'complaint' WHEN {u(1)} < 0.70 THEN 'help'
               WHEN {u(1)} < 0.85 THEN 'consultation' WHEN {u(1)} < 0.95 THEN 'suggestion' ELSE 'report' END AS kind,
          CASE WHEN {u(2)} < 0.90 THEN 'normal' WHEN {u(2)} < 0.98 THEN 'timely' ELSE 'emergency' END AS urgency,
          {u(3)} < 0.08 AS anonymous,
          ({arr(communities)})[1 + floor({u(4)} * {nc})::int] AS region,
          ({arr(categories)})[1 + floor({u(5)} * {ng})::int] AS category,
          CASE WHEN {u(6)} < 0.04 THEN 'direct' WHEN {u(9)} < 0.03 AND i > 1000 THEN 'merge' ELSE 'normal' END AS path
        FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS i OFFSET 0) s0"""
    l1 = f"""
      SELECT *,
        CASE WHEN path = 'direct' THEN {C(f"received + {secs(f'60 * (3 + floor({u(10)} * 28))')}")} END AS t_direct,
        CASE WHEN path = 'merge' THEN {C(f"received + {secs(f'60 * (10 + floor({u(11)} * 111))')}")} END AS t_merge,
        i - 1000 + floor({u(12)} * 1000)::bigint AS master,
        CASE WHEN path = 'normal' THEN {C(f"received + {hours(0.1, 3, 13)}")} END AS t_disp1,
        path = 'normal' AND {u(14)} < 0.04 AS has_rr,
        {u(15)} < 0.5 AS rr_approved
      FROM ({base} OFFSET 0) s1"""
    l2 = f"""
      SELECT *, CASE WHEN rr_approved THEN {C(f"t_rrdec + {hours(0.5, 4, 18)}")} END AS t_disp2
      FROM (SELECT *, {C(f"t_rr + {hours(1, 8, 17)}")} AS t_rrdec
            FROM (SELECT *, CASE WHEN has_rr THEN {C(f"t_disp1 + {hours(1, 10, 16)}")} END AS t_rr
                  FROM ({l1} OFFSET 0) a OFFSET 0) b OFFSET 0) s2"""
    # After the return: the final dispatch, its unit, and where the clock goes on from (NULL: stopped).
    l3 = f"""
      SELECT *,
        CASE WHEN disp_at IS NULL THEN NULL WHEN has_rr AND rr_approved AND t_rrdec IS NOT NULL THEN unit2
             ELSE unit1 END AS lead,
        CASE WHEN NOT has_rr THEN t_disp1 WHEN t_rrdec IS NULL THEN NULL
             WHEN rr_approved THEN t_disp2 ELSE t_rrdec END AS t_go
      FROM (SELECT *, CASE WHEN has_rr AND rr_approved AND t_rrdec IS NOT NULL THEN t_disp2 ELSE t_disp1 END
                       AS disp_at FROM ({l2} OFFSET 0) a OFFSET 0) s3"""
    l4 = f"""
      SELECT *, {due(Step.CONTACT, "t_sign")} AS contact_due0,
             {C(f"t_sign + {hours(0.5, 30, 20)}")} AS t_contact
      FROM (SELECT *, {C(f"t_go + {hours(0.2, 30, 19)}")} AS t_sign, {due(Step.SIGN, "disp_at")} AS sign_due0,
                   {due(Step.REPLY, "received")} AS reply_due_orig
            FROM ({l3} OFFSET 0) a OFFSET 0) s4"""
    l5 = f"""
      SELECT *,
        CASE WHEN t_contact IS NOT NULL THEN contact_due0 IS NULL OR t_contact <= contact_due0 END AS fcot,
        CASE WHEN {u(21)} < 0.06 THEN {C("t_contact + interval '1 hour'")} END AS s0,
        CASE WHEN {u(21)} < 0.06 THEN {C("t_contact + interval '3 hours'")} END AS s1,
        CASE WHEN {u(21)} < 0.06 AND {u(22)} < 0.3 THEN {C("t_contact + interval '30 hours'")} END AS s2,
        t_contact IS NOT NULL AND {u(23)} < 0.05 AS has_ext,
        t_contact + {hours(2, 48, 24)} AS t_ext_raw,
        1 + floor({u(25)} * 5)::int AS ext_n
      FROM ({l4} OFFSET 0) s5"""
    # Reply rounds 0, 1, 2 (a reopening starts the next one at its callback).
    rounds = f"""
      SELECT *, CASE WHEN NOT has_ext THEN t_contact
                     WHEN {C("t_ext_raw + interval '1 hour'")} IS NOT NULL THEN t_ext_raw END AS base0,
                CASE WHEN has_ext AND {C("t_ext_raw + interval '1 hour'")} IS NOT NULL THEN ext_n ELSE 0 END AS ext
      FROM ({l5} OFFSET 0) s6"""
    for r in range(3):
        k = 30 + 10 * r
        start = "received" if r == 0 else f"t_reopen{r}"
        base = "base0" if r == 0 else f"t_reopen{r}"
        ext = "ext" if r == 0 else "0"
        rounds = f"""
          SELECT *, CASE WHEN t_cbok{r} IS NOT NULL AND NOT ok{r} AND {r} < 2 THEN t_cbok{r} END AS t_reopen{r + 1}
          FROM (SELECT *, t_cbok{r} IS NOT NULL AND solved{r} AND sat{r} <> 'unsatisfied' AS ok{r}
            FROM (SELECT *, CASE WHEN miss{r} THEN {C(f"t_cb{r} + {hours(20, 30, k + 3)}")} ELSE t_cb{r} END
                            AS t_cbok{r}
              FROM (SELECT *, t_cb{r} IS NOT NULL AND {u(k + 2)} < 0.07 AS miss{r}
                FROM (SELECT *, CASE WHEN NOT auto{r} THEN {C(f"t_reply{r} + {hours(2, 40, k + 1)}")} END AS t_cb{r}
                  FROM (SELECT *,
                      pg_temp.wd({due(Step.REPLY, start)}, {ext}) AS reply_due{r},
                      t_reply{r} IS NOT NULL AND (anonymous OR profile = 'consultation') AS auto{r},
                      {u(k + 4)} < 0.82 AS solved{r},
                      CASE WHEN {u(k + 5)} < 0.7 THEN 'satisfied' WHEN {u(k + 5)} < 0.9 THEN 'basically'
                           ELSE 'unsatisfied' END AS sat{r},
                      {u(k + 6)} < 0.92 AS contacted{r}
                    FROM (SELECT *, {C(f"{base} + {hours(4, 240, k)}")} AS t_reply{r} FROM ({rounds} OFFSET 0) a OFFSET 0) b OFFSET 0) c OFFSET 0) d OFFSET 0) e OFFSET 0) f OFFSET 0) g"""
    final = f"""
      SELECT *, CASE WHEN NOT ok2 THEN {C(f"t_cbok2 + {hours(2, 48, 60)}")} END AS t_unres,
        (t_reopen1 IS NOT NULL)::int + (t_reopen2 IS NOT NULL)::int AS nreopen
      FROM ({rounds} OFFSET 0) z"""
    return final


APPEAL_FINAL = """
  SELECT *,
    CASE nreopen WHEN 0 THEN NULL WHEN 1 THEN t_reopen1 ELSE t_reopen2 END AS reopened_at,
    CASE nreopen WHEN 0 THEN t_reply0 WHEN 1 THEN t_reply1 ELSE t_reply2 END AS t_reply,
    CASE nreopen WHEN 0 THEN auto0 WHEN 1 THEN auto1 ELSE auto2 END AS auto,
    CASE nreopen WHEN 0 THEN t_cb0 WHEN 1 THEN t_cb1 ELSE t_cb2 END AS t_cb,
    CASE nreopen WHEN 0 THEN t_cbok0 WHEN 1 THEN t_cbok1 ELSE t_cbok2 END AS t_cbok,
    CASE nreopen WHEN 0 THEN ok0 WHEN 1 THEN ok1 ELSE ok2 END AS ok,
    CASE nreopen WHEN 0 THEN ext ELSE 0 END AS ext_final
  FROM bench_g"""


def appeal_state_sql() -> str:
    return f"""
      SELECT *,
        CASE
          WHEN path = 'direct' THEN CASE WHEN t_direct IS NULL THEN 'received' ELSE 'closed' END
          WHEN path = 'merge' THEN CASE WHEN t_merge IS NULL THEN 'received' ELSE 'merged' END
          WHEN t_disp1 IS NULL THEN 'received'
          WHEN has_rr AND t_rr IS NULL THEN 'dispatched'
          WHEN has_rr AND t_rrdec IS NULL THEN 'return_requested'
          WHEN has_rr AND rr_approved AND t_disp2 IS NULL THEN 'received'
          WHEN t_sign IS NULL THEN 'dispatched'
          WHEN t_contact IS NULL THEN 'accepted'
          WHEN base0 IS NULL OR t_reply IS NULL THEN 'in_progress'
          WHEN auto THEN 'closed'
          WHEN t_cbok IS NULL THEN 'replied'
          WHEN ok THEN 'closed'
          WHEN t_unres IS NOT NULL THEN 'closed'
          ELSE 'replied' END AS state,
        CASE
          WHEN path = 'direct' AND t_direct IS NOT NULL THEN 'answered_directly'
          WHEN t_reply IS NOT NULL AND auto THEN CASE WHEN anonymous THEN 'anonymous' ELSE 'answered_directly' END
          WHEN t_cbok IS NOT NULL AND ok THEN 'resolved'
          WHEN t_unres IS NOT NULL THEN 'unresolvable'
          ELSE '' END AS close_reason,
        CASE WHEN path = 'direct' THEN t_direct WHEN base0 IS NULL THEN NULL ELSE t_reply END AS replied,
        CASE WHEN path = 'direct' THEN t_direct WHEN base0 IS NULL THEN NULL
             WHEN auto THEN t_reply WHEN ok THEN t_cbok ELSE t_unres END AS closed
      FROM ({APPEAL_FINAL} OFFSET 0) x"""


def appeal_insert_sql() -> str:
    """The appeal rows with their dues (deadlines.compute_dues) and board times (deadlines.board_fields)."""
    dues = f"""
      SELECT *,
        {due(Step.SIGN, "disp_at")} AS sign_due,
        {due(Step.CONTACT, "t_sign")} AS contact_due,
        pg_temp.wd({due(Step.REPLY, "COALESCE(reopened_at, received)")}, ext_final) AS reply_due,
        {due(Step.CALLBACK, "replied")} AS callback_due
      FROM ({appeal_state_sql()} OFFSET 0) y"""
    steps = f"""
      SELECT *,
        CASE WHEN state = 'dispatched' THEN sign_due END AS d1, disp_at AS s1_,
        CASE WHEN state = 'accepted' THEN contact_due END AS d2, t_sign AS s2_,
        CASE WHEN state IN ('dispatched', 'accepted', 'in_progress', 'return_requested') THEN reply_due END AS d3,
        COALESCE(reopened_at, received) AS s3_,
        CASE WHEN state = 'replied' AND NOT anonymous THEN callback_due END AS d4, replied AS s4_
      FROM ({dues} OFFSET 0) w"""
    return f"""
      INSERT INTO appeals_appeal (id, number, client_key, kind, channel, urgency, state, title, content, keywords,
        address, appellant_name, appellant_phone, appellant_id_number, anonymous, confidential, tracking_code_hash,
        received_at, dispatched_at, signed_at, contacted_at, reopened_at, replied_at, closed_at,
        sign_due, contact_due, reply_due, callback_due, first_contact_on_time, extension_working_days,
        extension_count, reopen_count, supervision_level, return_from_state, reply_text, close_reason,
        refer_target, close_note, lead_unit_id, master_id, region_id, category_id, next_due, warn_at)
      SELECT i, to_char(received AT TIME ZONE '{TZ}', 'YYYYMMDD') || lpad(i::text, greatest(7, length(i::text)), '0'), NULL, kind, 'hotline',
        urgency, state, '诉求' || i, '规模测试', '', '', CASE WHEN anonymous THEN '' ELSE '张三' END,
        CASE WHEN anonymous THEN '' ELSE '13800000000' END, '', anonymous, false, '',
        received, CASE WHEN state = 'merged' THEN NULL ELSE disp_at END, t_sign, t_contact, reopened_at,
        replied, closed, sign_due, contact_due, reply_due, callback_due, fcot, ext_final,
        CASE WHEN has_ext AND base0 IS NOT NULL AND ext > 0 THEN 1 ELSE 0 END, nreopen,
        CASE WHEN s1 IS NOT NULL THEN 1 ELSE 0 END,
        CASE WHEN state = 'return_requested' THEN 'dispatched' ELSE '' END,
        CASE WHEN replied IS NOT NULL AND path = 'normal' THEN '已办理。' ELSE '' END, close_reason, '', '',
        lead, CASE WHEN state = 'merged' THEN master END, region, category,
        LEAST(d1, d2, d3, d4),
        LEAST(d1 - (d1 - s1_) * 0.25, d2 - (d2 - s2_) * 0.25, d3 - (d3 - s3_) * 0.25, d4 - (d4 - s4_) * 0.25)
      FROM ({steps} OFFSET 0) v"""


def event_values() -> str:
    """(seq, action, at, before, after, unit, json) per possible event, in the order the services write them."""
    ev = [
        "(1, 'submit', received, '', 'received', NULL::bigint, '{}'::jsonb)",
        "(2, 'answer_directly', t_direct, 'received', 'replied', NULL, "
        '\'{"on_time": true, "handling_seconds": null}\'::jsonb)',
        "(3, 'auto_close', t_direct, 'replied', 'closed', NULL, '{}')",
        "(4, 'merge_into', t_merge, 'received', 'merged', NULL, '{}')",
        "(5, 'dispatch', t_disp1, 'received', 'dispatched', unit1, jsonb_build_object('lead_unit', unit1))",
        "(6, 'request_return', t_rr, 'dispatched', 'return_requested', unit1, '{}')",
        "(7, CASE WHEN rr_approved THEN 'approve_return' ELSE 'reject_return' END, t_rrdec, 'return_requested', "
        "CASE WHEN rr_approved THEN 'received' ELSE 'dispatched' END, unit1, "
        "CASE WHEN rr_approved THEN '{}' ELSE '{\"unjustified_return\": true}' END::jsonb)",
        "(8, 'dispatch', CASE WHEN rr_approved THEN t_disp2 END, 'received', 'dispatched', unit2, "
        "jsonb_build_object('lead_unit', unit2))",
        "(9, 'sign', t_sign, 'dispatched', 'accepted', lead, jsonb_build_object('on_time', t_sign <= sign_due0))",
        "(10, 'record_contact', t_contact, 'accepted', 'in_progress', lead, jsonb_build_object('on_time', fcot))",
        "(11, 'remind', s0, 'in_progress', 'in_progress', lead, '{\"level\": 0}')",
        "(12, 'supervise', s1, 'in_progress', 'in_progress', lead, '{\"level\": 1}')",
        "(13, 'supervise', s2, 'in_progress', 'in_progress', lead, '{\"level\": 1}')",
        "(14, 'request_extension', CASE WHEN ext > 0 THEN t_ext_raw END, 'in_progress', 'in_progress', lead, "
        "jsonb_build_object('working_days', ext))",
        "(15, 'approve_extension', CASE WHEN ext > 0 THEN t_ext_raw + interval '1 hour' END, 'in_progress', "
        "'in_progress', lead, jsonb_build_object('working_days', ext))",
    ]
    for r in range(3):
        s = 20 + 10 * r
        ev += [
            f"({s}, 'reply', t_reply{r}, 'in_progress', 'replied', lead, jsonb_build_object('on_time', "
            f"reply_due{r} IS NULL OR t_reply{r} <= reply_due{r}, 'handling_seconds', "
            f"extract(epoch FROM t_reply{r} - disp_at)::bigint))",
            f"({s + 1}, 'auto_close', CASE WHEN auto{r} THEN t_reply{r} END, 'replied', 'closed', NULL, '{{}}')",
            f"({s + 2}, 'callback', CASE WHEN miss{r} THEN t_cb{r} END, 'replied', 'replied', NULL, "
            "'{\"reached\": false}')",
            f"({s + 3}, 'callback', t_cbok{r}, 'replied', CASE WHEN ok{r} THEN 'closed' WHEN {r} < 2 THEN "
            f"'in_progress' ELSE 'replied' END, lead, jsonb_build_object('solved', solved{r}))",
        ]
    ev.append("(60, 'close_unresolvable', t_unres, 'replied', 'closed', NULL, '{}')")
    return ", ".join(ev)


def child_sql() -> dict[str, str]:
    cb = []
    for r in range(3):
        cb.append(
            f"(CASE WHEN miss{r} THEN t_cb{r} END, false, NULL::boolean, NULL::boolean, '', NULL::bigint)"
        )
        cb.append(f"(t_cbok{r}, true, contacted{r}, solved{r}, sat{r}, lead)")
    return {
        "events": f"""
          INSERT INTO appeals_appealevent (actor_label, created_at, action, before, after, note, prev_hash, hash,
            state_before, state_after, appeal_id, unit_id)
          SELECT '', e.at, e.action, '{{}}', e.after, '', '', 'bench', e.sb, e.sa, g.i, e.unit
          FROM bench_g g CROSS JOIN LATERAL (VALUES {event_values()}) AS e(seq, action, at, sb, sa, unit, after)
          WHERE e.at IS NOT NULL""",
        "callbacks": f"""
          INSERT INTO appeals_callback (method, reached, contacted, solved, satisfaction, first_contact_on_time,
            comment, created_at, valid, appeal_id, recorded_by_id, unit_id)
          SELECT 'phone', c.reached, c.contacted, c.solved, c.sat, g.fcot, '', c.at, c.reached AND NOT g.anonymous,
            g.i, %(leader)s, g.lead
          FROM bench_g g CROSS JOIN LATERAL (VALUES {", ".join(cb)}) AS c(at, reached, contacted, solved, sat, u)
          WHERE c.at IS NOT NULL""",
        "returns": """
          INSERT INTO appeals_returnrequest (reason, from_state, requested_at, decision, decided_at, decision_note,
            appeal_id, requested_by_id, unit_id)
          SELECT '不属于本单位职责', 'dispatched', t_rr, CASE WHEN t_rrdec IS NULL THEN 'pending'
            WHEN rr_approved THEN 'approved' ELSE 'rejected' END, t_rrdec, '', i, %(leader)s, unit1
          FROM bench_g WHERE t_rr IS NOT NULL""",
        "extensions": """
          INSERT INTO appeals_extensionrequest (reason, working_days, requested_at, decision, decided_at,
            decision_note, appeal_id, requested_by_id, unit_id)
          SELECT '需要采购配件', ext, t_ext_raw, 'approved', t_ext_raw + interval '1 hour', '', i, %(leader)s, lead
          FROM bench_g WHERE ext > 0""",
        "supervisions": """
          INSERT INTO appeals_supervision (kind, level, step, due, created_at, note, appeal_id, unit_id)
          SELECT s.kind, s.level, 'reply', reply_due_orig + make_interval(secs => s.level * 7 + s.n), s.at, '', i,
            lead
          FROM bench_g CROSS JOIN LATERAL (VALUES ('reminder', 0, s0, 0), ('supervision', 1, s1, 1),
            ('supervision', 1, s2, 2)) AS s(kind, level, at, n)
          WHERE s.at IS NOT NULL""",
    }


# 1.5 % of appeals join a hot spot: consecutive ones of a community, three to a spot (the Python generator's
# spots averaged 3.3 members; the member list is what the hot-spot page loads).
HOTSPOTS = """
  WITH j AS (
    SELECT id, region_id, received_at,
           (row_number() OVER (PARTITION BY region_id ORDER BY id) - 1) / 3 AS bucket
    FROM appeals_appeal WHERE ((hashint8extended(id, 90) >> 11) & 9007199254740991)::float8
                              / 9007199254740992.0 < 0.015),
  s AS (
    SELECT region_id, bucket, min(received_at) AS start, max(received_at) AS "end", count(*) AS n,
           row_number() OVER (ORDER BY min(received_at), region_id) AS sid
    FROM j GROUP BY region_id, bucket),
  ins AS (
    INSERT INTO insight_hotspot (id, label, place, heat, size, residents, growth, start, "end", created_at,
                                 updated_at)
    SELECT sid, '热点' || sid, '社区' || region_id,
           round((0.5 + 11.5 * ((hashint8extended(sid, 91) >> 11) & 9007199254740991)::float8
                  / 9007199254740992.0)::numeric, 4)::float8,
           n, n, 0, start, "end", start, "end" FROM s)
  INSERT INTO insight_hotspotmember (joined_at, appeal_id, hotspot_id)
  SELECT j.received_at, j.id, s.sid FROM j JOIN s USING (region_id, bucket) ORDER BY j.id"""

COUNTERS = f"""
  INSERT INTO appeals_ratecounter (month, unit_id, region_id, {{fields}})
  SELECT month, unit_id, region_id, {{sums}} FROM (
    SELECT date_trunc('month', c.created_at AT TIME ZONE '{TZ}')::date AS month, c.unit_id, a.region_id,
      1 AS entries, 1 AS valid_callbacks, (c.contacted IS TRUE AND c.first_contact_on_time IS TRUE)::int AS contacted_on_time,
      (c.solved IS TRUE)::int AS solved, (c.satisfaction = 'satisfied')::int AS satisfied,
      (c.satisfaction = 'basically')::int AS basically, 0 AS reopened, 0 AS signs, 0 AS signs_on_time,
      0 AS replies, 0 AS replies_on_time, 0 AS handling_count, 0::bigint AS handling_micros, 0 AS dispatches,
      0 AS returns, 0 AS unjustified_returns, 0 AS overdue, NULL::bigint AS sup_appeal
    FROM appeals_callback c JOIN appeals_appeal a ON a.id = c.appeal_id WHERE c.valid
    UNION ALL
    SELECT date_trunc('month', e.created_at AT TIME ZONE '{TZ}')::date, e.unit_id, a.region_id, 1, 0, 0, 0, 0, 0,
      (e.action = 'callback' AND e.state_after = 'in_progress')::int,
      (e.action = 'sign')::int,
      (e.action = 'sign' AND (e.after -> 'on_time') IS DISTINCT FROM 'false'::jsonb)::int,
      (e.action = 'reply')::int,
      (e.action = 'reply' AND (e.after -> 'on_time') IS DISTINCT FROM 'false'::jsonb)::int,
      (e.action = 'reply' AND jsonb_typeof(e.after -> 'handling_seconds') = 'number')::int,
      CASE WHEN e.action = 'reply' AND jsonb_typeof(e.after -> 'handling_seconds') = 'number'
           THEN round((e.after ->> 'handling_seconds')::numeric * 1000000)::bigint ELSE 0 END,
      (e.action = 'dispatch')::int, 0, 0, 0, NULL
    FROM appeals_appealevent e JOIN appeals_appeal a ON a.id = e.appeal_id
    WHERE e.action IN ('dispatch', 'sign', 'reply', 'callback')
    UNION ALL
    SELECT date_trunc('month', r.requested_at AT TIME ZONE '{TZ}')::date, r.unit_id, a.region_id, 1, 0, 0, 0, 0,
      0, 0, 0, 0, 0, 0, 0, 0, 0, 1, (r.decision = 'rejected')::int, 0, NULL
    FROM appeals_returnrequest r JOIN appeals_appeal a ON a.id = r.appeal_id
    UNION ALL
    SELECT date_trunc('month', s.created_at AT TIME ZONE '{TZ}')::date, s.unit_id, a.region_id, 1, 0, 0, 0, 0,
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, s.appeal_id
    FROM appeals_supervision s JOIN appeals_appeal a ON a.id = s.appeal_id
    WHERE s.kind = 'supervision' AND s.level = 1
  ) t GROUP BY month, unit_id, region_id"""


def counters_sql() -> str:
    from gongzhi.appeals.counters import FIELDS

    sums = ", ".join("count(DISTINCT sup_appeal)" if f == "overdue" else f"sum({f})" for f in FIELDS)
    return COUNTERS.format(fields=", ".join(FIELDS), sums=sums)


# ---------------------------------------------------------------- indexes and constraints


def drop_secondary(cursor) -> int:
    """Drop the bulk tables' unique/foreign-key constraints and secondary indexes, keeping their DDL."""
    cursor.execute("CREATE TABLE IF NOT EXISTS bench_saved_ddl (n serial, kind text, ddl text)")
    tables = ", ".join(f"'{t}'::regclass" for t in BULK_TABLES)
    cursor.execute(f"""
      SELECT 'constraint', conrelid::regclass::text, conname, contype,
             format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname, pg_get_constraintdef(oid))
      FROM pg_constraint WHERE conrelid IN ({tables}) AND contype IN ('u', 'f')""")
    constraints = cursor.fetchall()
    cursor.execute(f"""
      SELECT 'index', tablename, indexname, '', indexdef FROM pg_indexes i
      WHERE tablename IN ({", ".join(f"'{t}'" for t in BULK_TABLES)}) AND NOT EXISTS (
        SELECT 1 FROM pg_constraint c WHERE c.conindid = (quote_ident(i.indexname))::regclass
          AND c.contype IN ('p', 'u'))""")
    indexes = cursor.fetchall()
    # Restored in this order: indexes, unique constraints, foreign keys.
    order = indexes + [c for c in constraints if c[3] == "u"] + [c for c in constraints if c[3] == "f"]
    for kind, _table, _name, _t, ddl in order:
        cursor.execute("INSERT INTO bench_saved_ddl (kind, ddl) VALUES (%s, %s)", [kind, ddl])
    for _kind, table, name, _t, _ddl in [c for c in constraints if c[3] == "f"] + [
        c for c in constraints if c[3] == "u"
    ]:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for _kind, _table, name, _t, _ddl in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    return len(order)


def restore_secondary(cursor, log) -> None:
    cursor.execute("SELECT to_regclass('bench_saved_ddl') IS NOT NULL")
    if not cursor.fetchone()[0]:
        return
    cursor.execute("SELECT n, ddl FROM bench_saved_ddl ORDER BY n")
    for n, ddl in cursor.fetchall():
        t0 = time.perf_counter()
        cursor.execute(ddl)
        cursor.execute("DELETE FROM bench_saved_ddl WHERE n = %s", [n])
        took = time.perf_counter() - t0
        if took > 5:
            log(f"    {took:6.1f} s  {ddl[:110]}")
    cursor.execute("DROP TABLE bench_saved_ddl")


# ---------------------------------------------------------------- driver


def generate(
    n: int, *, communities, units, categories, leader: int, now, start, chunk: int, log, resume: bool = False
) -> dict:
    """Rows for appeals 1..n (from the first missing one with `resume`, each chunk one transaction; the
    appeals read by the bench are identical either way: every draw depends on the id only). The staging
    table is scanned in id order, so the rows get their ids in the order of each appeal's history (the
    subqueries are fenced with OFFSET 0: flattened, the planner would expand the nested expressions)."""
    connection.ensure_connection()
    raw = connection.connection
    was_autocommit = raw.autocommit
    raw.autocommit = True  # one statement at a time; the staging table is per chunk
    rows = {}
    with raw.cursor() as cursor:
        cursor.execute(
            "SET work_mem = '256MB'; SET maintenance_work_mem = '1GB'; "
            "SET max_parallel_maintenance_workers = 0; SET synchronous_commit = off"
        )
        first = 1
        if resume:
            cursor.execute("SELECT COALESCE(max(id), 0) + 1 FROM appeals_appeal")
            first = cursor.fetchone()[0]
            cursor.execute("SELECT now_, start_ FROM bench_clock")  # the interrupted run's clock
            now, start = cursor.fetchone()
            log(f"  resuming at appeal {first:,} (clock {now:%Y-%m-%d %H:%M:%S})")
        else:
            restore_secondary(cursor, log)  # an interrupted earlier run
            cursor.execute("DROP TABLE IF EXISTS bench_clock")
            cursor.execute(
                "CREATE TABLE bench_clock AS SELECT %s::timestamptz AS now_, %s::timestamptz AS start_",
                [now, start],
            )
        cal = Calendar(
            timezone.localtime(start).date() - timedelta(days=2),
            timezone.localtime(now).date() + timedelta(days=120),
        )
        cal.create(cursor)
        if not resume:
            log(f"  dropped {drop_secondary(cursor)} secondary indexes and constraints")
        step = (now - start).total_seconds() / n
        params = {"now": now, "start": start, "step": step, "leader": leader}
        stage = staging_sql(communities, units, categories)
        children = child_sql()
        t0 = time.perf_counter()
        for lo in range(first, n + 1, chunk):
            hi = min(n, lo + chunk - 1)
            cursor.execute("BEGIN")
            cursor.execute("DROP TABLE IF EXISTS bench_g")
            cursor.execute(f"CREATE TEMP TABLE bench_g AS {stage}", {**params, "lo": lo, "hi": hi})
            cursor.execute(appeal_insert_sql())
            for _name, sql in children.items():
                cursor.execute(sql, params)
            cursor.execute("DROP TABLE bench_g")
            cursor.execute("COMMIT")
            log(f"  generated {hi:,} appeals ({(hi - first + 1) / (time.perf_counter() - t0):,.0f}/s)")
        loaded = time.perf_counter() - t0
        t1 = time.perf_counter()
        cursor.execute("SELECT NOT EXISTS (SELECT 1 FROM insight_hotspot)")
        if cursor.fetchone()[0]:  # not yet written by the interrupted run being resumed
            cursor.execute(HOTSPOTS)
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('insight_hotspot', 'id'), "
            "(SELECT COALESCE(max(id), 0) + 1 FROM insight_hotspot), false)"
        )
        cursor.execute("SELECT setval(pg_get_serial_sequence('appeals_appeal', 'id'), %s, false)", [n + 1])
        log(f"  hot spots: {time.perf_counter() - t1:.1f} s")
        t1 = time.perf_counter()
        restore_secondary(cursor, log)
        indexed = time.perf_counter() - t1
        log(f"  indexes and constraints rebuilt in {indexed:.1f} s")
        for table in [*BULK_TABLES, "insight_hotspot"]:
            cursor.execute(f"SELECT count(*) FROM {table}")
            rows[table.split("_", 1)[1]] = cursor.fetchone()[0]
    raw.autocommit = was_autocommit
    return {"load_s": round(loaded, 1), "index_s": round(indexed, 1), "rows": rows}


def build_counters(log) -> int:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM appeals_ratecounter")
        cursor.execute(counters_sql())
        return cursor.rowcount
