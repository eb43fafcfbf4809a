"""The access table: which role may do what, on every page and API endpoint (issue #7 §6).

ONE declarative table: (method, url) -> the roles allowed. `{name}` in a url is the pk of world[name]
(tests/security/conftest.py: objects in 幸福社区, the home of the community staff, grid worker and party member, and
of 住建局's handler). "contact" is an enterprise's contact person (an account with no role); "anon" is not logged in.

Allowed means the request is served (any status but 401/403/404 and a redirect to the login page: a form may still
reject bad input with 400 or a state with 409). Refused means 401/403/404, or the login page for an anonymous visitor.
test_access_table.py walks it as each role.
"""

ROLES = (
    "anon",
    "resident",
    "operator",
    "dispatcher",
    "handler",
    "supervisor",
    "grid_worker",
    "party_member",
    "community_staff",
    "credit_officer",
    "leader",
    "admin",
    "contact",
)

EVERYONE = frozenset(ROLES)
LOGGED_IN = EVERYONE - {"anon"}
STAFF = frozenset(
    {
        "operator",
        "dispatcher",
        "handler",
        "supervisor",
        "grid_worker",
        "party_member",
        "community_staff",
        "leader",
        "admin",
    }
)
HOTLINE = frozenset({"operator", "dispatcher", "supervisor", "leader", "admin"})  # the whole county's appeals
ANALYSTS = frozenset({"supervisor", "leader", "admin"})
RATES = frozenset({"dispatcher", "handler", "supervisor", "leader", "admin"})
KNOWLEDGE = frozenset({"operator", "dispatcher", "supervisor", "admin"})
PROACTIVE = frozenset({"handler", "supervisor", "leader", "admin"})
# community affairs (core/permissions.is_manager): by role only. An ordinary party member of a party organisation
# is not its staff (issue N item 3: party_member was here and could close topics, hide opinions, review
# organisations, confirm hours and see the activity's sign-in code).
MANAGERS = frozenset({"community_staff", "admin"})
ORGANIZERS = MANAGERS | {"grid_worker"}  # the community committee's grid worker organises its activities too
HOUSEHOLDS = frozenset({"party_member", "community_staff", "leader", "admin"})
OFFICER = frozenset({"credit_officer"})
ENTERPRISE = frozenset({"credit_officer", "contact"})
# Who sees the appeal world["appeal"]: its appellant (resident1), the county-wide roles, 住建局 (lead unit), and
# 幸福社区's staff, grid worker and party member.
APPEAL_READERS = HOTLINE | {"resident", "handler", "grid_worker", "party_member", "community_staff"}
# Who may see the appellant's full phone and ID number (appeals.md §7): the appellant, supervisors, the lead unit and
# the first receiver (the world's appeal arrived online and the dispatcher who dispatched it took it in hand, §3).
UNMASKERS = frozenset({"resident", "supervisor", "handler", "dispatcher"})
# Exports of the appeals one may see (a resident follows their own on the site; an empty file for the others).
EXPORTERS = STAFF | {"credit_officer"}

GET = {
    # core
    "/": EVERYONE,
    "/notifications/": LOGGED_IN,
    "/accounts/me/": LOGGED_IN,
    "/accounts/me/data/": LOGGED_IN,  # one's own data (个人信息保护法)
    "/privacy/": EVERYONE,
    "/api/v1/me/data/": LOGGED_IN,
    "/accounts/2fa/": LOGGED_IN,
    "/accounts/2fa/setup/": LOGGED_IN,
    "/accounts/2fa/verify/": LOGGED_IN,
    "/api/v1/me/": LOGGED_IN,
    "/api/v1/regions/": LOGGED_IN,
    "/api/v1/regions/boundaries/": EVERYONE,  # public like the regions' names: the appeal form's map
    "/api/v1/regions/locate/": EVERYONE,  # (400 here: no lon/lat given)
    "/api/v1/units/": LOGGED_IN,
    "/api/v1/notifications/": LOGGED_IN,
    "/api/v1/me/notification-preferences/": LOGGED_IN,
    "/api/v1/webhooks/subscriptions/": {"admin"},
    "/api/v1/webhooks/deliveries/": {"admin"},
    # wechat: the server URL answers only WeChat's signed requests (403 unsigned; 404 where no 公众号 is configured)
    "/wechat/": frozenset(),
    "/wechat/oauth/": frozenset(),  # 404 here: the tests' site has no 公众号
    "/wechat/bind/": frozenset(),  # only after 网页授权 (404 here, where no 公众号 is configured)
    "/wechat/appeals/{appeal}/supplement/": {"resident"},  # the appellant's own appeal
    # calls: the operator's screen-pop
    "/calls/screen/": {"operator"},
    # appeals
    "/appeals/": STAFF | {"resident", "credit_officer", "contact"},  # a resident is sent on to their own
    "/appeals/map/": STAFF | {"resident", "credit_officer", "contact"},  # as the list: a resident is sent on
    "/appeals/new/": {"anon", "resident", "operator", "grid_worker", "party_member", "community_staff"},
    "/appeals/staff/new/": {"operator", "grid_worker", "party_member", "community_staff"},
    "/appeals/mine/": {"resident"},
    "/appeals/track/": EVERYONE,
    "/appeals/rates/": RATES,
    "/appeals/overdue/": ANALYSTS,
    "/appeals/knowledge/": KNOWLEDGE,
    "/appeals/export.csv": EXPORTERS,
    "/appeals/rates/export.csv": RATES,
    "/appeals/{appeal}/": APPEAL_READERS,
    "/api/v1/categories/": LOGGED_IN,
    "/api/v1/knowledge/": KNOWLEDGE,
    "/api/v1/appeals/": LOGGED_IN,  # each sees their own scope
    "/api/v1/appeals/map/": LOGGED_IN,  # each sees their own scope
    "/api/v1/appeals/export.csv": EXPORTERS,
    "/api/v1/appeals/{appeal}/": APPEAL_READERS,
    "/api/v1/rates/": RATES,
    # insight
    "/insight/": ANALYSTS,
    "/insight/street/{street}/": ANALYSTS,
    "/insight/hotspots/": STAFF | {"credit_officer"},
    "/insight/hotspots/export.xlsx": STAFF | {"credit_officer"},
    "/insight/alerts/": ANALYSTS,
    "/insight/tasks/": PROACTIVE,
    "/insight/tasks/{task}/": PROACTIVE,
    "/insight/cosigned/": {"resident"},
    "/insight/nearby-alerts/": {"resident", "grid_worker", "community_staff"},
    "/api/v1/insight/alerts/subscriptions/": {"resident", "grid_worker", "community_staff"},
    "/api/v1/public/density/": EVERYONE,
    "/api/v1/insight/forecast/": ANALYSTS,
    "/api/v1/insight/tasks/": LOGGED_IN,  # filtered: nobody outside PROACTIVE gets a row (test_idor)
    "/api/v1/insight/tasks/{task}/": PROACTIVE,
    # deliberation: topics, meetings, votes and results are public (居务公开)
    "/deliberation/": EVERYONE,
    "/deliberation/results/": EVERYONE,
    "/deliberation/manage/": MANAGERS,
    "/deliberation/topics/new/": LOGGED_IN,
    "/deliberation/topics/{topic}/": EVERYONE,
    "/deliberation/meetings/{meeting}/": EVERYONE,
    "/api/v1/deliberation/topics/": EVERYONE,
    "/api/v1/deliberation/topics/{topic}/": EVERYONE,
    "/api/v1/deliberation/topics/{topic}/opinions/": EVERYONE,
    "/api/v1/deliberation/meetings/": EVERYONE,
    "/api/v1/deliberation/meetings/{meeting}/": EVERYONE,
    "/api/v1/deliberation/votes/": EVERYONE,
    "/api/v1/deliberation/votes/{vote}/": EVERYONE,
    "/api/v1/deliberation/votes/{vote}/electors/": MANAGERS,  # the list of electors is the community's (issue N-1)
    "/api/v1/deliberation/results/": EVERYONE,
    # credit: the officers' desk; an enterprise's contact sees their own; the public query is open
    "/credit/": OFFICER,
    "/credit/query/": EVERYONE,
    "/api/v1/credit/query/?q=湘江": EVERYONE,
    "/credit/mine/": ENTERPRISE,
    "/credit/enterprises/": OFFICER | {"operator"},  # the hotline takes enterprises' appeals
    "/credit/enterprises/new/": OFFICER,
    "/credit/enterprises/{enterprise}/": ENTERPRISE | {"operator"},
    "/credit/enterprises/{enterprise}/appeals/new/": {"operator", "contact"},
    "/credit/enterprises/{enterprise}/penalties/new/": OFFICER,
    "/credit/penalties/": OFFICER,
    "/credit/penalties/{penalty}/": ENTERPRISE,
    "/credit/cases/new/": OFFICER,
    "/credit/cases/{case}/": ENTERPRISE,
    "/credit/cases/{case}/documents/decision.pdf": ENTERPRISE,
    "/api/v1/credit/enterprises/": OFFICER,
    "/api/v1/credit/cases/": LOGGED_IN,  # filtered (test_idor)
    "/api/v1/credit/cases/{case}/": ENTERPRISE,
    "/api/v1/credit/deliveries/overdue/": OFFICER,
    "/api/v1/credit/penalties/": LOGGED_IN,  # filtered (test_idor)
    "/api/v1/credit/penalties/{penalty}/": ENTERPRISE,
    "/api/v1/credit/penalties/exemptions/": LOGGED_IN,  # filtered (test_idor)
    "/api/v1/credit/enterprises/{enterprise}/appeals/": ENTERPRISE | {"operator"},
    # community: organisations, activities and red resources are public; households are the managers'
    "/community/": EVERYONE,
    "/community/organizations/": EVERYONE,
    "/community/organizations/{org}/": EVERYONE,
    "/community/activities/": EVERYONE,
    "/community/activities/{activity}/": EVERYONE,
    "/community/activities/{activity}/qr.svg": ORGANIZERS,
    "/community/my-hours/": LOGGED_IN,
    "/community/households/": HOUSEHOLDS,
    "/community/households/{household}/": HOUSEHOLDS,
    "/community/matches/": HOUSEHOLDS,
    "/community/red-resources/": EVERYONE,
    "/community/red-resources/{red}/": EVERYONE,
    "/api/v1/community/organizations/": EVERYONE,
    "/api/v1/community/organizations/{org}/": EVERYONE,
    "/api/v1/community/activities/": EVERYONE,
    "/api/v1/community/activities/{activity}/": EVERYONE,
    "/api/v1/community/my-ledger/": LOGGED_IN,
    "/api/v1/community/coverage/": HOUSEHOLDS,
    "/api/v1/community/red-resources/": EVERYONE,
    # issue O: projects and their results are public; the volunteer profile and the catalogue are every account's;
    # the time bank's desk (redemptions to confirm, ledgers and corrections) is the community workers'
    "/community/projects/": EVERYONE,
    "/community/volunteer/": LOGGED_IN,
    "/community/time-bank/": MANAGERS,
    "/api/v1/community/projects/": EVERYONE,
    "/api/v1/community/rewards/": LOGGED_IN,
    "/api/v1/community/redemptions/": LOGGED_IN,
    "/api/v1/community/redemptions/?pending=1": MANAGERS,
    "/community/requests/": LOGGED_IN,  # a helper's requests; a community worker's area's
    "/api/v1/community/help-requests/": LOGGED_IN,
}

# State-changing actions, each posted in a fresh world (data: the form or JSON body). The HTML forms of deliberation
# and community answer a refusal with a message on the page they return to, so their API twins are checked here.
POST = {
    # the call centre posts with its own key, never with a session
    ("/api/v1/cti/calls/", '{"event": "ringing", "call_id": "C1", "caller": "13800138000"}'): frozenset(),
    ("/api/v1/appeals/similar/", '{"title": "路灯坏了", "content": "小区路灯坏了两周"}'): EVERYONE,
    # a subscription without its community is refused with 400 (served) for those who may subscribe
    ("/api/v1/insight/alerts/subscriptions/", '{"scope": "community"}'): {
        "resident",
        "grid_worker",
        "community_staff",
    },
    ("/api/v1/appeals/{appeal}/actions/sign/", "{}"): {"handler"},  # the lead unit signs, nobody for it
    # the conversation: the appellant adds material and answers (400 without an open question: served), the lead
    # unit's handler asks
    ("/api/v1/appeals/{appeal}/actions/supplement/", '{"text": "路灯在3号楼东侧"}'): {"resident"},
    ("/api/v1/appeals/{appeal}/actions/ask/", '{"question": "请问路灯在几号楼？"}'): {"handler"},
    ("/api/v1/appeals/{appeal}/actions/answer/", '{"text": "3号楼东侧"}'): {"resident"},
    # the SMS providers' pushes: only with the secret token of the URL (GONGZHI_SMS_CALLBACK_TOKEN), whoever logs in
    ("/sms/aliyun/not-the-token/up/", "[]"): frozenset(),
    ("/sms/tencent/not-the-token/report/", "[]"): frozenset(),
    ("/api/v1/appeals/{appeal}/supervise/", '{"level": 1, "note": "请尽快办理"}'): {"supervisor"},
    ("/api/v1/appeals/{appeal}/reveal_contact/", "{}"): UNMASKERS,
    (
        "/appeals/{appeal}/reveal/",
        "",
    ): UNMASKERS,  # refused = redirected back without the numbers, no audit event
    ("/api/v1/deliberation/topics/{topic}/actions/close/", '{"reason": "重复议题"}'): MANAGERS,
    ("/api/v1/deliberation/opinions/{opinion}/hide/", '{"reason": "人身攻击"}'): MANAGERS,
    (
        "/api/v1/deliberation/votes/{vote}/electors/",
        '{"rows": [{"name": "王五", "household": "9栋101"}]}',
    ): MANAGERS,
    ("/api/v1/community/organizations/{org}/review/", '{"action": "approve", "opinion": "同意"}'): MANAGERS,
    # the world's record was recorded by the grid worker: they may not confirm it themselves (issue N item 2)
    ("/api/v1/community/records/{record}/confirm/", "{}"): ORGANIZERS - {"grid_worker"},
    ("/credit/cases/{case}/act/revoke/", "reason=错误纳入"): OFFICER,
    (
        "/api/v1/credit/penalties/{penalty}/approve-band/",
        "{}",
    ): OFFICER,  # 409 for an officer: nothing to approve
    ("/api/v1/credit/repairs/{repair}/decision/", '{"approve": true, "reason": "材料齐全"}'): OFFICER,
    (
        "/api/v1/webhooks/subscriptions/",
        '{"url": "https://example.org/hook", "events": ["appeal.replied"]}',
    ): {"admin"},
}
