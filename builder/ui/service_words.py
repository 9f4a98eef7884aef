"""What the services say, in the language of the page that shows it.

The services speak English under stable codes (the API and the logs read them as they are);
the messages, coupons and approval pages show those messages in the reader's language. A
message the service makes with values in it is listed here as a template with named holes
(`SAID`); `said(_, text)` finds the template a message was made from, says it in `_`'s
language and puts the same values back. A message no template matches (a Liquid parser's own
words) is shown as the service said it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from builder.i18n import N_, Words
from builder.i18n.messages import Templates, known, say

SAID = (
    # Not found (runtime.errors.NotFoundError)
    N_("There is no template {key}."),
    N_("There is no customer {key}."),
    N_("There is no coupon pool {key}."),
    N_("There is no publish request {key}."),
    # Templates (server/services/templates.py, template_checks.py, template_warnings.py)
    N_("Can't delete the template '{name}': it is used by {uses}. Change those steps to use "
       "something else (or archive the journeys), then delete it."),
    N_("Used by '{name}'"),
    N_("A {channel} template named '{name}' already exists; give this one another name."),
    N_("The template has problems: {problems}"),
    N_("{channel} templates have no '{option}' option; remove it"),
    N_("No customer has '{name}', so this message would fail for everyone: check the "
       "spelling, or give it a fallback such as {example}"),
    N_("customer {customer} has no email address; add one to their profile, or filter on "
       "email before this step"),
    N_("customer {customer} has no phone number; add one to their profile, or filter on "
       "phone before this step"),
    # Rendering for one customer (runtime/messaging/templating.py)
    N_("{part}, line {line}: this customer has no {missing}; give it a fallback, e.g. "
       "{example}, or send only to customers who have it"),
    N_("{part}: this customer has no {missing}; give it a fallback, e.g. {example}, or send "
       "only to customers who have it"),
    N_("{part}, line {line}: {problem}; fix the template"),
    N_("{part}: {problem}; fix the template"),
    N_("{part}, line {line}: the template goes past a render limit; simplify it"),
    # The channels' own checks (nodes/channels/)
    N_("An email needs a subject; write one"),
    N_("The message is empty; write what it should say"),
    N_("SMS messages have no subject; remove it, or put it at the start of the message"),
    N_("KakaoTalk messages have no subject; remove it, or put it at the start of the message"),
    N_("Webhook messages have no subject; remove it"),
    N_("A webhook needs the URL to call; set options.url"),
    # Images (server/services/assets.py, nodes/kit/images.py)
    N_("{what} must be {kinds}; '{name}' is {kind}"),
    N_("{what} may be at most {most} KB; '{name}' is {size} KB"),
    N_("{what} must be at least {most} pixels wide; '{name}' is {size}"),
    N_("{what} may be at most {width}×{height} pixels; '{name}' is {width2}×{height2}"),
    N_("{what} must be between {low} and {high} (width:height); '{name}' is "
       "{width}×{height}"),
    N_("{what} must be {ratio} (width:height); '{name}' is {width}×{height}"),
    N_("Image #{id} does not exist (any more); upload it again and pick it"),
    N_("The images together may be at most {most} KB; these are {size} KB"),
    N_("The image is {size} KB; at most {most} KB may be uploaded. Make it smaller"),
    N_("The image is about {size} KB; at most {most} KB may be uploaded. Make it smaller"),
    N_("The file is not an image Wayline can read; upload a JPEG or PNG"),
    N_("The file is a {kind} image; upload a JPEG or PNG"),
    N_("The image is {width}×{height} pixels; at most {most} on each side"),
    N_("The upload did not arrive whole; try again"),
    # Test sends (server/services/test_sends.py)
    N_("Your account has no email address to send a test to."),
    N_("No test recipients for this channel yet: add emails and phone numbers under Test "
       "recipients on the Send rules page."),
    N_("A test {noun} goes to the chosen customer's device only: pick a customer whose app "
       "you hold, and send it to 'me'."),
    N_("The message can't be made for this customer: {problem}"),
    N_("the webhook's URL"),
    # Senders (server/services/senders.py) and AlimTalk review (template_reviews.py)
    N_("The sender has problems: {problems}"),
    N_("The sender number is not a Korean phone number: write it like 02-1234-5678, "
       "010-1234-5678 or 1588-1234"),
    N_("The opt-out number must be a free 080 number, like 080-123-4567"),
    N_("The sender key is the one the provider shows for the Kakao channel: 8 to 128 letters, "
       "digits, - or _"),
    N_("Write who sends: the company's or the Kakao channel's name (advertising names it "
       "after (광고))"),
    N_("Say why it was rejected, as the carrier or Kakao said"),
    N_("This sender is already registered."),
    N_("{value} is already in the list ({name}); change that one"),
    N_("No registered Kakao sender profile to submit from: add one under Send rules → Senders "
       "and make it the default."),
    N_("The KakaoTalk provider configured here takes no template review: submit the template "
       "in the provider's console, then an admin sets its status here."),
    N_("Say why Kakao rejected it."),
    N_("Copy the reason the provider's console gives for the rejection"),
    N_("The provider is not answering right now ({error}). Nothing was changed; try again in "
       "a minute."),
    N_("The provider did not take it: {error}. Nothing was changed."),
    # Advertising checks (runtime/messaging/ad_checks.py, template_checks.py)
    N_("'{written}' {where} is not the label the law asks for: write exactly {label} at the "
       "very start, or leave it out (Wayline adds it to marketing messages)"),
    N_("at the start"),
    N_("inside the text"),
    N_("An advertisement may not be an image only: write its text, which carries (광고), the "
       "sender's name and the free opt-out line"),
    # Coupons (server/services/coupons.py)
    N_("There is already a coupon pool called '{name}'."),
    N_("already taken"),
    N_("Can't delete the coupon pool '{name}': it is used by {uses}. Change those steps to "
       "use something else (or archive the journeys), then delete it."),
    N_("an upload holds at most {count} lines; upload the rest separately"),
    N_("this line can't be read as CSV: {error}"),
    N_("'{value}' is not a code: use letters, digits, - and _, up to 100 characters"),
    N_("version {number} (customers still in it)"),
    # A/B results (server/services/significance.py, results.py)
    N_("No customers have reached {label} yet."),
    N_("Too few customers to tell yet ({entered} in {label}, {baseline_entered} in "
       "{baseline}; each needs at least {least} and a few conversions)."),
    N_("{label} beats {baseline} with {sure} confidence."),
    N_("{label} does worse than {baseline}, with {sure} confidence."),
    N_("No clear difference between {label} and {baseline} yet ({sure} confidence; {bar} is "
       "the bar)."),
    N_("The baseline the other paths are compared with."),
    N_("Set a goal in the journey settings to measure conversions."),
    N_("This journey has no goal, so there are no conversions to compare: set one in the "
       "journey settings."),
    N_("Too few customers to compare with {baseline} yet; keep the test running."),
    N_("No path differs clearly from {baseline} yet; keep the test running."),
    # Requests to publish (server/services/approvals.py)
    N_("'{name}' has problems to fix before it can be published; fix them, then ask again."),
    N_("Say why the request is rejected, so the editor knows what to change."),
    N_("Request #{number} is {status} already."),
    N_("You asked for this publish yourself: another publisher approves or rejects it."),
    N_("Only the person who asked can withdraw a request; a publisher rejects it instead."),
)
"""The messages the services make, as templates with named holes."""

CONTROL = N_("Control group")
"""What a random split calls its held-out path (nodes/flow_random.py), in results too."""

WORDS = {"status": (N_("pending"), N_("approved"), N_("rejected"), N_("withdrawn")),
         "label": (CONTROL,), "baseline": (CONTROL,),
         "part": (N_("Subject"), N_("Message"), N_("HTML body"), N_("Title"),
                  N_("Webhook URL"), N_("Webhook body"), N_("Deep link"),
                  N_("SMS fallback text")),
         "what": (N_("An MMS image"), N_("The image"), N_("The wide image"),
                  N_("The first item's image"), N_("An item's image"), N_("A card's image"))}
"""Holes whose value is one of a few English words (a request's status, the part of a
template a problem is in: runtime.messaging.templating.PART_LABELS, a split's control group),
said too."""

NAMED = ("channel", "noun")
"""Holes holding a channel's name or noun, registry words the catalogues translate."""

LISTS = {"problems": "; "}
"""Holes holding a list of messages (said one by one), and what separates them."""

_USE_STATUS = re.compile(r"\((draft|live|paused|archived): ")


def said(_: Words, text: str) -> str:
    """`text`, a message a service made in English, in `_`'s language."""
    direct = known(_, text)
    if direct is not None:
        return direct
    found = _templates().match(text)
    if found:
        template, values = found
        return _(template, **{name: _hole(_, name, value) for name, value in values.items()})
    return text


def said_all(_: Words, texts: Iterable[str]) -> list[str]:
    """Each message in `_`'s language."""
    return [said(_, text) for text in texts]


def _hole(_: Words, name: str, value: str) -> str:
    if name in LISTS:
        return LISTS[name].join(_listed(_, value.split(LISTS[name]), LISTS[name]))
    if name == "uses":  # 'Spring sale' (live: Give a coupon), … as usage.in_use_message says
        return _USE_STATUS.sub(lambda found: f"({_(found[1])}: ", value)
    if name in ("problem", "error"):
        return say(_, said(_, value))
    if value in WORDS.get(name, ()) or name in NAMED:
        return _(value)
    return value


def _listed(_: Words, pieces: list[str], separator: str) -> list[str]:
    """Messages joined by `separator`, said one by one; a message that holds the separator
    itself is found as the shortest run of pieces that is a known message (a piece no run
    makes known is shown as it is)."""
    found, start = [], 0
    while start < len(pieces):
        for end in range(start + 1, len(pieces) + 1):
            text = separator.join(pieces[start:end])
            saying = said(_, text)
            if saying != text:
                found.append(saying)
                start = end
                break
        else:
            found.append(pieces[start])
            start += 1
    return found


@cache
def _templates() -> Templates:
    return Templates(SAID)
