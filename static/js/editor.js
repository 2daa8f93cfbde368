// Term editor: tells the editor why an image upload was refused. markdownx inserts a
// generic error into the text; the server's own message is shown beside the editor.
(function () {
  "use strict";

  function statusFor(container) {
    var status = container.parentNode.querySelector(".editor-upload-status");
    if (!status) {
      status = document.createElement("p");
      status.className = "editor-upload-status";
      status.setAttribute("role", "alert");
      container.parentNode.insertBefore(status, container);
    }
    return status;
  }

  function messageOf(detail) {
    var response = detail && detail[0];
    if (response && typeof response === "object" && response.error) return response.error;
    try {
      var parsed = JSON.parse(response);
      if (parsed && parsed.error) return parsed.error;
    } catch (ignored) { /* not JSON */ }
    // The words come from the page, in the admin's language (term/change_form.html).
    var messages = document.querySelector("[data-editor-messages]");
    return messages ? messages.getAttribute("data-upload-failed") : "";
  }

  function init() {
    document.querySelectorAll(".markdownx").forEach(enhance);
  }

  function enhance(container) {
    var preview = container.querySelector(".markdownx-preview");
    if (preview) {
      preview.setAttribute("aria-live", "polite");
      preview.setAttribute("aria-label", "Preview");
    }
    container.addEventListener("markdownx.fileUploadError", function (event) {
      statusFor(container).textContent = messageOf(event.detail);
    });
    container.addEventListener("markdownx.fileUploadEnd", function () {
      statusFor(container).textContent = "";
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
