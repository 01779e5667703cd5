/* The segment editor's live preview: posts the unsaved form to the preview endpoint, debounced,
 * whenever a rule or the threshold changes, and shows the HTML it answers.
 * Plain Stimulus on Wagtail's own application; no build step. */
window.wagtail.app.register(
  "pushseg-segment-preview",
  class extends window.StimulusModule.Controller {
    static targets = ["output", "status"];
    static values = { url: String, delay: { type: Number, default: 400 } };

    connect() {
      this.sequence = 0;
      const form = this.form;
      if (form) {
        // Adding, moving or deleting a rule block changes the DOM (a deleted block is hidden
        // through its style) without a change event.
        this.observer = new MutationObserver((records) => {
          if (records.some((record) => !this.element.contains(record.target))) this.changed();
        });
        this.observer.observe(form, {
          childList: true,
          subtree: true,
          attributes: true,
          attributeFilter: ["style", "hidden"],
        });
      }
      this.refresh();
    }

    disconnect() {
      if (this.observer) this.observer.disconnect();
      clearTimeout(this.timer);
      if (this.request) this.request.abort();
    }

    get form() {
      return this.element.closest("form");
    }

    changed(event) {
      const target = event && event.target;
      if (target && this.element.contains(target)) return;
      // Only the rules and the threshold change the preview (the name, the slug… do not).
      if (target && target.name && !/^(rules|threshold)/.test(target.name)) return;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.refresh(), this.delayValue);
    }

    status(key) {
      if (!this.hasStatusTarget) return;
      const text = key ? this.statusTarget.dataset[key] : "";
      this.statusTarget.hidden = !text;
      if (text) this.statusTarget.textContent = text;
    }

    async refresh() {
      const form = this.form;
      if (!form || !this.urlValue) return;
      if (this.request) this.request.abort();
      this.request = new AbortController();
      const sequence = ++this.sequence;
      this.status("loading");
      try {
        const response = await fetch(this.urlValue, {
          method: "POST",
          body: new FormData(form),
          headers: { "X-Requested-With": "XMLHttpRequest", Accept: "application/json" },
          credentials: "same-origin",
          signal: this.request.signal,
        });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const data = await response.json();
        if (sequence !== this.sequence) return; // a newer request is on its way
        this.outputTarget.innerHTML = data.html;
        this.status("");
      } catch (error) {
        if (error.name === "AbortError") return;
        this.status("failed");
      }
    }
  },
);
