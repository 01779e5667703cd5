/* Live character counters under the composer's title and body: "12 / 120 characters", in the
 * warning colour near the limit. The field's own maxlength stops typing; this says so.
 * Plain Stimulus on Wagtail's own application; no build step. */
window.wagtail.app.register(
  "pushseg-count",
  class extends window.StimulusModule.Controller {
    connect() {
      this.max = parseInt(this.element.getAttribute("maxlength"), 10) || 0;
      this.output = document.createElement("p");
      this.output.className = "pushseg-count";
      this.output.setAttribute("aria-live", "polite");
      if (this.element.id) this.output.id = `${this.element.id}-count`;
      this.element.insertAdjacentElement("afterend", this.output);
      this.update();
    }

    disconnect() {
      if (this.output) this.output.remove();
    }

    update() {
      // Characters as the browser counts them for maxlength (UTF-16 code units).
      const used = this.element.value.length;
      const gettext = window.gettext || ((text) => text);
      let text = this.max
        ? `${used} / ${this.max} ${gettext("characters")}`
        : `${used} ${gettext("characters")}`;
      const full = this.max && used >= this.max;
      if (full) text += ` · ${gettext("the limit: nothing more can be typed")}`;
      this.output.textContent = text;
      this.output.classList.toggle("pushseg-count--near", Boolean(this.max && used >= this.max * 0.9));
      this.output.classList.toggle("pushseg-count--full", Boolean(full));
    }
  },
);
