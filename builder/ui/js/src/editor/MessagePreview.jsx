// A template rendered for one customer, exactly as the send step would store it: the inspector
// shows it under any step that picks a template. It asks the server's render endpoint
// (POST /api/templates/{id}/render with the step's purpose and fallback text), so labels,
// unsubscribe links, SMS/LMS and byte counts are the runtime's own, not a guess.
import { useEffect, useState } from "react";
import { LoaderCircle, TriangleAlert, UserRound } from "lucide-react";
import { formatNumber, t } from "../i18n.js";
import { byteLabel, textKind } from "./sms.js";
import { channelNoun, channelOf } from "./channels.js";
import "./message.css";

const DELAY = 300;

export function MessagePreview({ config, templates }) {
  const [typed, setTyped] = useState("");
  const [customers, setCustomers] = useState([]);
  const [result, setResult] = useState(null);
  const [loading, setLoading] = useState(false);
  const template = (templates || []).find((item) => item.id === config?.template);
  const picked =
    customers.find((c) => c.external_id === typed)?.external_id ??
    (typed ? null : customers[0]?.external_id);

  useEffect(() => {
    const timer = setTimeout(() => {
      fetch(`/api/customers/?limit=20${typed ? `&search=${encodeURIComponent(typed)}` : ""}`)
        .then((answer) => (answer.ok ? answer.json() : { items: [] }))
        .then((page) => setCustomers(page.items || []))
        .catch(() => setCustomers([]));
    }, DELAY);
    return () => clearTimeout(timer);
  }, [typed]);

  const fallback =
    channelOf(config?.channel)?.fallback && config?.sms_fallback !== false
      ? config?.fallback_text || ""
      : null;
  useEffect(() => {
    if (!template || picked === null || template.channel !== config.channel) {
      setResult(null);
      return undefined;
    }
    const body = {
      purpose: config.purpose || "marketing",
      ...(picked ? { external_id: picked } : {}),
      ...(fallback !== null ? { fallback_text: fallback } : {}),
    };
    let live = true;
    const timer = setTimeout(() => {
      setLoading(true);
      fetch(`/api/templates/${template.id}/render`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      })
        .then(async (answer) => {
          const data = await answer.json();
          if (live)
            setResult(
              answer.ok ? data : { error: data.detail || t("The preview could not be made.") },
            );
        })
        .catch(
          () =>
            live &&
            setResult({ error: t("The preview could not be made: the server did not answer.") }),
        )
        .finally(() => live && setLoading(false));
    }, DELAY);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [template?.id, config?.channel, config?.purpose, fallback, picked]);

  if (!template) return null;
  if (template.channel !== config.channel)
    return (
      <section className="wl-message-preview" data-message-preview={template.id}>
        <div className="wl-render-error" data-render-error>
          {t(
            "'{template}' is a template for {its}, so this {channel} step would fail: pick a template for {channel}, or change the channel.",
            {
              template: template.name,
              its: channelNoun(template.channel),
              channel: channelNoun(config.channel),
            },
          )}
        </div>
      </section>
    );
  return (
    <section className="wl-message-preview" data-message-preview={template.id}>
      <div className="wl-preview-head">
        <span className="wl-label">{t("Preview for a customer")}</span>
        {loading ? <LoaderCircle size={14} className="wl-spin" /> : null}
      </div>
      <div className="wl-row">
        <UserRound size={15} />
        <input
          className="wl-input"
          list="wl-preview-customers"
          placeholder={
            customers[0]
              ? t("{customer} (type to pick another)", { customer: customers[0].external_id })
              : t("Sample customer")
          }
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          data-preview-customer
        />
        <datalist id="wl-preview-customers">
          {customers.map((c) => (
            <option key={c.id} value={c.external_id}>
              {c.email || c.phone || ""}
            </option>
          ))}
        </datalist>
      </div>
      {picked === null ? (
        <div className="wl-help">{t("Pick a customer from the list.")}</div>
      ) : null}
      {result ? <Rendered result={result} channel={template.channel} /> : null}
      {result && !result.error && picked !== null ? (
        <TestSend
          template={template}
          body={{
            purpose: config.purpose || "marketing",
            ...(picked ? { external_id: picked } : {}),
            ...(fallback !== null ? { fallback_text: fallback } : {}),
          }}
        />
      ) : null}
    </section>
  );
}

// Sends the message shown above, as this customer gets it, to a person on the team: the real
// channel, marked as a test, counted nowhere (POST /api/templates/{id}/test).
function TestSend({ template, body }) {
  const [state, setState] = useState(null);
  const send = (to) => {
    setState({ busy: true });
    fetch(`/api/templates/${template.id}/test`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ ...body, to }),
    })
      .then(async (answer) => {
        const data = await answer.json();
        if (!answer.ok) {
          setState({ error: data.detail || t("The test was not sent.") });
          return;
        }
        const failed = data.results.filter((r) => !r.sent);
        setState(
          failed.length
            ? {
                error: t("Not sent to {people}.", {
                  people: failed.map((r) => `${r.to} (${r.problem})`).join(", "),
                }),
              }
            : {
                ok: t(
                  "Test sent to {people}. It is marked as a test and counts in no stats or caps.",
                  { people: data.results.map((r) => r.to).join(", ") },
                ),
              },
        );
      })
      .catch(() => setState({ error: t("The test was not sent: the server did not answer.") }));
  };
  return (
    <div className="wl-test-send" data-test-send={template.id}>
      <span className="wl-label">{t("Send a test")}</span>
      <div className="wl-row">
        {channelOf(template.channel)?.testToMe ? (
          <button
            type="button"
            className="wl-button"
            disabled={state?.busy}
            onClick={() => send("me")}
            data-action="test-to-me"
          >
            {t("To me")}
          </button>
        ) : null}
        {channelOf(template.channel)?.testToTeam ? (
          <button
            type="button"
            className="wl-button"
            disabled={state?.busy}
            onClick={() => send("team")}
            data-action="test-to-team"
          >
            {t("To test recipients")}
          </button>
        ) : null}
      </div>
      {state?.ok ? (
        <div className="wl-help" data-test-result="sent">
          {state.ok}
        </div>
      ) : null}
      {state?.error ? (
        <div className="wl-render-error" data-test-result="error">
          {state.error}
        </div>
      ) : null}
    </div>
  );
}

function Rendered({ result, channel }) {
  const content = result.content;
  return (
    <div className="wl-rendered" data-rendered={result.error ? "error" : "ok"}>
      {result.customer ? (
        <div className="wl-help">
          {result.template_version
            ? t("As {customer} would get it · template v{version}", {
                customer: result.customer,
                version: result.template_version,
              })
            : t("As {customer} would get it", { customer: result.customer })}
        </div>
      ) : null}
      {result.error ? (
        <div className="wl-render-error" data-render-error>
          {result.error}
        </div>
      ) : null}
      {content ? <Content content={content} channel={channel} /> : null}
      {(result.warnings || []).map((warning, index) => (
        <div key={index} className="wl-render-warning" data-render-warning>
          <TriangleAlert size={13} /> {warning.message}
        </div>
      ))}
    </div>
  );
}

function Content({ content, channel }) {
  if (channelOf(channel)?.call)
    return (
      <>
        <Line label={t("Call")}>
          {content.method} {content.url}
        </Line>
        <pre className="wl-rendered-text">{JSON.stringify(content.body, null, 2)}</pre>
      </>
    );
  return (
    <>
      <Line label={t("To")}>{content.to}</Line>
      {content.subject ? <Line label={t("Subject")}>{content.subject}</Line> : null}
      {content.title ? <Line label={t("Title")}>{content.title}</Line> : null}
      {content.template_code ? (
        <Line label={t("AlimTalk template")}>{content.template_code}</Line>
      ) : null}
      <pre className="wl-rendered-text" data-rendered-text>
        {content.text}
      </pre>
      {channelOf(channel)?.measured ? <ByteBadge bytes={content.bytes} /> : null}
      {content.variables && Object.keys(content.variables).length ? (
        <Line label={t("Variables")}>
          {Object.entries(content.variables)
            .map(([k, v]) => `${k}=${v}`)
            .join(", ")}
        </Line>
      ) : null}
      {content.deep_link ? <Line label={t("Deep link")}>{content.deep_link}</Line> : null}
      {content.data ? <Line label={t("Data")}>{JSON.stringify(content.data)}</Line> : null}
      {content.html ? (
        <Line label={t("HTML part")}>
          {t("{count} characters", { count: formatNumber(content.html.length) })}
        </Line>
      ) : null}
      {content.unsubscribe_url ? (
        <Line label={t("One-click unsubscribe")}>{content.unsubscribe_url}</Line>
      ) : null}
      {content.fallback ? (
        <div className="wl-fallback-preview" data-fallback-preview>
          <div className="wl-label">
            {t("If {channel} fails, this text goes instead", {
              channel: channelOf(channel)?.name || channel,
            })}
          </div>
          <pre className="wl-rendered-text">{content.fallback.text}</pre>
          <ByteBadge bytes={content.fallback.bytes} />
        </div>
      ) : null}
    </>
  );
}

function Line({ label, children }) {
  return (
    <div className="wl-rendered-line">
      <span>{label}</span>
      <strong>{children}</strong>
    </div>
  );
}

export function ByteBadge({ bytes }) {
  if (bytes == null) return null;
  return (
    <span
      className={`wl-byte-count ${textKind(bytes) ? textKind(bytes).toLowerCase() : "bad"}`}
      data-byte-count={bytes}
    >
      {byteLabel(bytes)}
    </span>
  );
}
