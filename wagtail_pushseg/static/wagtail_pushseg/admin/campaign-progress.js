/* A campaign's live progress on its details page: while it is planning or sending, poll the
 * progress JSON, write the numbers in place and redraw the chart. Stops once it is done.
 * Plain Stimulus on Wagtail's own application; no build step. */
window.wagtail.app.register(
  "pushseg-progress",
  class extends window.StimulusModule.Controller {
    static targets = ["value"];
    static values = {
      url: String,
      chart: String,
      live: Boolean,
      interval: { type: Number, default: 3000 },
    };

    connect() {
      if (this.liveValue) this.schedule();
    }

    disconnect() {
      clearTimeout(this.timer);
    }

    schedule() {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.poll(), this.intervalValue);
    }

    async poll() {
      try {
        const response = await fetch(this.urlValue, {
          headers: { Accept: "application/json" },
          credentials: "same-origin",
        });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        this.render(await response.json());
      } catch (error) {
        /* a missed poll only delays the numbers: try again next time */
        this.schedule();
      }
    }

    render(data) {
      this.valueTargets.forEach((element) => {
        const value = data[element.dataset.key];
        if (value !== undefined && value !== null) element.textContent = String(value);
      });
      if (window.pushsegCharts && data.chart) window.pushsegCharts.update(this.chartValue, data.chart);
      this.liveValue = Boolean(data.live);
      if (this.liveValue) {
        this.schedule();
      } else {
        // Sent, paused, cancelled: the rest of the page (status, results, buttons) changed too.
        window.location.reload();
      }
    }
  },
);
