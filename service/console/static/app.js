// Keyboard shortcuts for the reviewer console. Plain JavaScript, no dependencies.
(function () {
  "use strict";
  const categories = ["review", "complaint", "service_issue", "support_request",
                      "misinformation", "competitor_claim"];
  const severities = { g: "green", y: "yellow", r: "red" };

  // Keys go to text fields and selects; a focused radio button or checkbox (as after `2` or
  // `y`) does not swallow the next shortcut.
  const notText = ["radio", "checkbox", "button", "submit", "reset"];
  function typing(target) {
    return Boolean(target) && (target.isContentEditable ||
      ["TEXTAREA", "SELECT"].includes(target.tagName) ||
      (target.tagName === "INPUT" && !notText.includes(target.type)));
  }
  function pick(name, value) {
    const input = document.querySelector(
      `#correct-form input[name="${name}"][value="${value}"]`);
    if (input) { input.checked = true; input.focus(); }
  }
  function follow(id) {
    const link = document.getElementById(id);
    if (link) { window.location.href = link.href; return true; }
    return false;
  }
  function submit(id) {
    const form = document.getElementById(id);
    if (form) {
      const button = form.querySelector("button[type=submit]");
      if (!button || !button.disabled) { form.requestSubmit(); }
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && typing(event.target)) {
      event.target.blur();  // leave the field, so the shortcuts work again
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    const key = event.key;
    if (key === "c") { submit("confirm-form"); }
    else if (key === "s") { submit("correct-form"); }
    else if (key === "a") { submit("ack-form"); }
    else if (key === "j") { follow("next-item") || follow("first-item"); }
    else if (key === "k") { follow("prev-item"); }
    else if (key >= "1" && key <= "6") { pick("category", categories[Number(key) - 1]); }
    else if (key in severities) { pick("severity", severities[key]); }
    else if (key === "?") {
      const help = document.getElementById("help");
      if (help && help.showModal) { help.showModal(); }
    } else { return; }
    event.preventDefault();
  });
})();
