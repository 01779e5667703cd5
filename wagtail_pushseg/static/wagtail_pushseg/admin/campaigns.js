/* The campaign composer: segment suggestions and the live audience preview.
 * Plain Stimulus on Wagtail's own application; no build step. */
window.wagtail.app.register(
  "pushseg-audience",
  class extends window.StimulusModule.Controller {
    static targets = ["suggestions", "suggestion", "status", "output", "labels"];
    static values = {
      previewUrl: String,
      suggestionsUrl: String,
      formset: { type: String, default: "targets" },
      delay: { type: Number, default: 300 },
    };

    connect() {
      this.lastQuery = null;
      this.lastPage = this.pageId();
      const forms = this.formsElement();
      if (forms) {
        // Moving a target up or down only reorders the DOM: watch for it.
        this.observer = new MutationObserver(() => this.changed());
        this.observer.observe(forms, { childList: true });
      }
      this.refresh();
    }

    disconnect() {
      if (this.observer) this.observer.disconnect();
      clearTimeout(this.timer);
    }

    get form() {
      return this.element.closest("form");
    }

    label(name) {
      return this.hasLabelsTarget ? this.labelsTarget.dataset[name] || "" : "";
    }

    formsElement() {
      return document.getElementById(`id_${this.formsetValue}-FORMS`);
    }

    field(name) {
      return this.form ? this.form.querySelector(`[name="${name}"]`) : null;
    }

    pageId() {
      const input = this.field("page");
      return input ? input.value : "";
    }

    /* Segment ids of the targets still in the form, in their order on screen. */
    targetSegments() {
      const forms = this.formsElement();
      if (!forms) return [];
      return Array.from(forms.children)
        .filter((child) => !child.classList.contains("deleted"))
        .filter((child) => {
          const deleted = child.querySelector('input[name$="-DELETE"]');
          return !(deleted && deleted.value === "1");
        })
        .map((child) => child.querySelector('select[name$="-segment"]'))
        .filter((select) => select && select.value)
        .map((select) => select.value);
    }

    query() {
      const params = new URLSearchParams();
      this.targetSegments().forEach((id) => params.append("segment", id));
      if (this.form) {
        this.form
          .querySelectorAll('input[name="excluded_segments"]:checked')
          .forEach((input) => params.append("exclude", input.value));
        const focus = this.form.querySelector('[name="focus"]:checked, select[name="focus"]');
        if (focus) params.set("focus", focus.value);
      }
      const minDegree = this.field("min_degree");
      if (minDegree && minDegree.value.trim()) params.set("min_degree", minDegree.value.trim());
      return params;
    }

    changed() {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.refresh(), this.delayValue);
    }

    async refresh() {
      const page = this.pageId();
      if (page !== this.lastPage) {
        this.lastPage = page;
        await this.loadSuggestions(page);
      }
      this.markChosen();
      const params = this.query();
      const key = params.toString();
      if (key === this.lastQuery) return;
      this.lastQuery = key;
      if (!params.getAll("segment").length) {
        this.outputTarget.replaceChildren();
        this.statusTarget.textContent = this.label("empty");
        return;
      }
      this.statusTarget.textContent = this.label("loading");
      try {
        const response = await fetch(`${this.previewUrlValue}?${key}`, {
          headers: { Accept: "application/json" },
          credentials: "same-origin",
        });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        if (key !== this.lastQuery) return; // a newer request is under way
        this.render(await response.json());
        this.statusTarget.textContent = "";
      } catch (error) {
        this.lastQuery = null;
        this.statusTarget.textContent = this.label("failed");
      }
    }

    async loadSuggestions(page) {
      if (!this.hasSuggestionsTarget) return;
      const url = `${this.suggestionsUrlValue}?${new URLSearchParams({ page })}`;
      try {
        const response = await fetch(url, { credentials: "same-origin" });
        if (response.ok) this.suggestionsTarget.innerHTML = await response.text();
      } catch (error) {
        /* keep the previous suggestions */
      }
    }

    /* A suggested segment that is already a target cannot be added twice. */
    markChosen() {
      const chosen = new Set(this.targetSegments());
      this.suggestionTargets.forEach((button) => {
        button.disabled = chosen.has(button.dataset.segment);
      });
    }

    addTarget(event) {
      const segment = String(event.params.segment);
      const add = document.getElementById(`id_${this.formsetValue}-ADD`);
      const forms = this.formsElement();
      if (!add || !forms) return;
      add.click();
      const select = forms.lastElementChild
        ? forms.lastElementChild.querySelector('select[name$="-segment"]')
        : null;
      if (select) {
        select.value = segment;
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
    }

    cell(tag, text, attrs = {}) {
      const element = document.createElement(tag);
      element.textContent = text;
      Object.entries(attrs).forEach(([name, value]) => element.setAttribute(name, value));
      return element;
    }

    render(data) {
      const table = document.createElement("table");
      table.className = "listing pushseg-preview__reach";
      const head = table.createTHead().insertRow();
      ["#", this.label("target"), this.label("reach"), this.label("candidates")].forEach(
        (text) => head.appendChild(this.cell("th", text, { scope: "col" })),
      );
      const body = table.createTBody();
      data.targets.forEach((target, index) => {
        const row = body.insertRow();
        row.appendChild(this.cell("td", String(index + 1)));
        row.appendChild(this.cell("td", target.name));
        row.appendChild(this.cell("td", String(target.reach)));
        row.appendChild(this.cell("td", String(target.candidates)));
      });
      const foot = table.createTFoot().insertRow();
      foot.appendChild(this.cell("th", this.label("total"), { scope: "row", colspan: "2" }));
      foot.appendChild(this.cell("td", String(data.total), { colspan: "2" }));
      const parts = [table];
      if (data.targets.length > 1) parts.push(this.matrix(data));
      this.outputTarget.replaceChildren(...parts);
    }

    /* Pairwise overlaps: cell (i, j) counts subscribers who could get the push for both;
     * the shade is that count as a share of row i's candidates. */
    matrix(data) {
      const table = document.createElement("table");
      table.className = "pushseg-preview__overlap";
      table.appendChild(this.cell("caption", this.label("overlap")));
      const head = table.createTHead().insertRow();
      head.appendChild(this.cell("td", ""));
      data.targets.forEach((target, index) => {
        head.appendChild(this.cell("th", String(index + 1), { scope: "col", title: target.name }));
      });
      const body = table.createTBody();
      data.overlap.forEach((counts, i) => {
        const row = body.insertRow();
        row.appendChild(this.cell("th", `${i + 1}. ${data.targets[i].name}`, { scope: "row" }));
        counts.forEach((count, j) => {
          const own = counts[i] || 0;
          const share = own ? count / own : 0;
          const td = this.cell("td", String(count));
          td.style.setProperty("--pushseg-share", share.toFixed(3));
          if (i === j) td.classList.add("pushseg-preview__self");
          row.appendChild(td);
        });
      });
      return table;
    }
  },
);
