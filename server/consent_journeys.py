"""The two journeys the law asks of every sender of advertising, built in: Wayline makes them
(with their templates) when a workspace switches them on (`server.services.consent_journeys`).

- **Consent confirmation** (정보통신망법 제50조 ⑦): within 14 days of a customer's consent,
  refusal or withdrawal of advertising, tell them the result — who sends, what changed, when.
  Enters on `consent_changed` (advertising or night-time advertising), which every change
  records (`runtime.messaging.consent_notices`); sends at once.
- **Two-yearly reminder** (제50조 ⑧, 시행령 제62조의3): every two years from the date of
  consent, tell each customer who consented who sends, the date they consented, and that
  silence keeps consent and how to withdraw. Enters on `consent_anniversary`.

Both send *information* (`purpose: transactional`): night-time rules and frequency caps are
for advertising, and a customer who refused information messages is not sent them. A customer
with a phone gets a text, one without gets an email. KakaoTalk is not used: AlimTalk needs a
template Kakao has reviewed, which a team submits itself (the Messages page) and can then put
in these journeys. The journeys are ordinary, editable journeys: a company's wording, or its
counsel, may want other text or another channel; switching off pauses them, switching on again
resumes them as edited (Wayline makes them only once). Counsel should confirm the texts.
"""

from __future__ import annotations

from typing import Any

from builder.i18n import N_
from server.starters import Starter, StarterTemplate, _edge, _node

KINDS = ("confirmation", "reminder")
"""The built-in consent journeys, by key."""

NAMES = {"confirmation": N_("Consent confirmation (within 14 days)"),
         "reminder": N_("Two-yearly consent reminder")}

CHANNEL_WORDS = ("{% case event.channel %}{% when 'sms' %}문자{% when 'kakao' %}카카오톡"
                 "{% when 'email' %}이메일{% when 'push' %}앱 푸시{% else %}{{ event.channel }}"
                 "{% endcase %}")
"""The channel the event names, in Korean."""

WHAT = ("{% if event.purpose == 'night' %}야간(21시~08시) {% endif %}광고성 정보 수신")

RESULT = "{% if event.state == 'granted' %}동의{% else %}거부{% endif %}"

NAME = "{{ customer.name | default: '고객' }}"


def confirmation(sender: str, withdraw: str) -> Starter:
    """The consent confirmation journey, its texts naming `sender` and how to withdraw."""
    text = (f"[{sender}] {NAME}님, {{{{ event.day }}}}에 {CHANNEL_WORDS} "
            f"{WHAT} {RESULT} 처리가 완료되었음을 알려드립니다. 전송자: {sender}. "
            f"수신 동의 변경: {withdraw}")
    return _starter("confirmation", "consent_changed", text,
                    f"[{sender}] 광고성 정보 수신 {RESULT} 처리 결과 안내",
                    [{"type": "attr", "field": "purpose", "op": "in",
                      "value": ["advertising", "night"]}])


def reminder(sender: str, withdraw: str) -> Starter:
    """The two-yearly reminder journey, its texts naming `sender` and how to withdraw."""
    text = (f"[{sender}] {NAME}님은 {{{{ event.consented_at }}}}에 {CHANNEL_WORDS} 광고성 정보 "
            f"수신에 동의하셨습니다. 정보통신망법에 따라 2년마다 수신 동의 사실을 안내드립니다. "
            f"계속 받으시려면 따로 하실 일은 없으며, 원하지 않으시면 언제든 철회하실 수 있습니다: "
            f"{withdraw}")
    return _starter("reminder", "consent_anniversary", text,
                    f"[{sender}] 광고성 정보 수신 동의 여부 확인 안내", [])


def _starter(kind: str, event: str, text: str, subject: str,
             where: list[dict[str, Any]]) -> Starter:
    name = NAMES[kind]
    return Starter(
        key=f"consent_{kind}", name=name,
        description=N_("Built in: Wayline made it when the workspace switched it on (Send "
                       "rules). It sends information, not advertising."),
        document={"nodes": [
            _node("entry", "entry.event", "Consent event", {"event": event, "where": where},
                  0, 0),
            _node("has_phone", "flow.condition", "Has a phone?", {"rule": {
                "type": "attr", "field": "phone", "op": "exists"}}, 0, 190),
            _node("text", "action.send", "Text", {"channel": "sms", "template": "text",
                                                  "purpose": "transactional"}, -250, 380),
            _node("mail", "action.send", "Email", {"channel": "email", "template": "mail",
                                                   "purpose": "transactional"}, 250, 380),
            _node("text_done", "flow.exit", "Told", {"reason": "Told"}, -250, 570),
            _node("mail_done", "flow.exit", "Told", {"reason": "Told"}, 250, 570)],
            "edges": [_edge("entry", "has_phone"), _edge("has_phone", "text", "yes"),
                      _edge("has_phone", "mail", "no"), _edge("text", "text_done"),
                      _edge("mail", "mail_done")],
            "settings": {"reentry": "always", "timezone": "Asia/Seoul"}},
        templates={"text": StarterTemplate("sms", f"{name} (SMS)", source=text),
                   "mail": StarterTemplate("email", f"{name} (email)", subject=subject,
                                           source=text)})


BUILT = {"confirmation": confirmation, "reminder": reminder}
"""How each built-in is made, from the sender's name and how to withdraw."""
