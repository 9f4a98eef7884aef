// The banner saying the live version's templates were saved since it was published: its
// customers in flight still get the published content (Python words it, and sends it only to
// people who may publish). "Update content in flight" asks first, then sends "update_content".
import { useState } from "react";
import { t } from "../i18n.js";
import { Confirm } from "./dialogs.jsx";

export function ContentBanner({ content, can, onCommand }) {
  const [asking, setAsking] = useState(false);
  if (!content) return null;
  return (
    <div className="wl-banner warn content-changed" data-banner="content-changed">
      <span>{content}</span>
      {can.publish ? (
        <button
          type="button"
          className="wl-button"
          data-action="update-content"
          onClick={() => setAsking(true)}
        >
          {t("Update content in flight")}
        </button>
      ) : null}
      {asking ? (
        <Confirm
          title={t("Update content in flight?")}
          body={t(
            "Customers already in this journey get the templates as they are saved now, from their next message on. Messages already sent don't change.",
          )}
          action={t("Update content")}
          danger={false}
          onCancel={() => setAsking(false)}
          onConfirm={() => {
            setAsking(false);
            onCommand("update_content");
          }}
        />
      ) : null}
    </div>
  );
}
