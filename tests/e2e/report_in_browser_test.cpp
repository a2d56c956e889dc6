#include "headless_chromium.hpp"
#include "report_checks.hpp"
#include "tiny_experiment.hpp"

#include <gtest/gtest.h>

using namespace mmkd::testing;

namespace {

// The quickstart, shortened: 4 epochs of 8 steps, a validation after each.
const char* const kShortQuickstart =
    "data.train.size=512 trainer.epochs=4 trainer.log_every=2 eval.every_epochs=1";

// Every chart of the report was laid out, its paths drawn with a length, its bars with a width,
// and its box in the screenshot holds the colours of its series.
void expect_every_chart_rendered(const std::string& html, const RenderedPage& page) {
  const nlohmann::json& charts = page.layout["charts"];
  EXPECT_EQ(charts.size(), chart_svgs_of_kind(html, "line").size() + chart_svgs_of_kind(html, "bar").size());
  EXPECT_EQ(page.screenshot.size(0), page.layout["height"].get<int64_t>());
  for (const nlohmann::json& chart : charts) {
    const std::string name = chart["chart"];
    EXPECT_GT(chart["width"].get<double>(), 100) << name;
    EXPECT_GT(chart["height"].get<double>(), 100) << name;
    EXPECT_LE(chart["y"].get<double>() + chart["height"].get<double>(), page.layout["height"].get<double>()) << name;
    size_t drawn = 0;
    for (const nlohmann::json& path : chart["paths"]) {
      if (path["points"].get<int>() < 2) continue;
      ++drawn;
      EXPECT_GT(path["length"].get<double>(), 0) << name << ": " << path.dump();
    }
    for (const nlohmann::json& bar : chart["bars"]) EXPECT_GT(bar.get<double>(), 0) << name;
    EXPECT_GT(drawn + chart["bars"].size(), 0u) << name;
    EXPECT_GT(coloured_pixels(page.screenshot, chart), 150) << name << " looks blank in the screenshot";
  }
}

class ReportInBrowser : public ::testing::Test {
 protected:
  void SetUp() override {
    chromium_ = chromium_executable();
    if (!chromium_) GTEST_SKIP() << "no chromium: scripts/bootstrap --tests installs Debian's chromium";
    write_file(dir_.file("quickstart.yaml"), read_file(source_dir() + "/experiments/quickstart.yaml"));
  }

  TempDir dir_;
  std::optional<std::string> chromium_;
};

TEST_F(ReportInBrowser, TheQuickstartsReportRendersItsCharts) {
  auto run = mmkd_in(dir_.path(), std::string("run quickstart.yaml --run-dir run ") + kShortQuickstart);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const std::string html = read_file(dir_.file("run/report.html"));
  const RenderedPage page = render_in_chromium(*chromium_, dir_.file("run/report.html"));
  expect_every_chart_rendered(html, page);
  const nlohmann::json& charts = page.layout["charts"];
  const auto loss = std::find_if(charts.begin(), charts.end(),
                                 [](const nlohmann::json& chart) { return chart["chart"] == "loss: total and per loss"; });
  ASSERT_NE(loss, charts.end()) << charts.dump();
  EXPECT_EQ((*loss)["paths"].size(), 4u);  // loss and clip.loss, raw and smoothed
  const auto retrieval = std::find_if(charts.begin(), charts.end(),
                                      [](const nlohmann::json& chart) { return chart["chart"] == "eval.retrieval"; });
  ASSERT_NE(retrieval, charts.end()) << charts.dump();
  for (const nlohmann::json& path : (*retrieval)["paths"]) EXPECT_EQ(path["points"], 4) << path.dump();
}

TEST_F(ReportInBrowser, AThreeRunSweepsReportRendersItsOverlaysAndBars) {
  write_file(dir_.file("sweep.yaml"), std::string(R"(name: lr
experiment: quickstart.yaml
overrides: {data.train.size: 256, trainer.epochs: 2, trainer.log_every: 2, eval.every_epochs: 1}
grid: {optimizer.lr: [1.0e-3, 3.0e-3, 1.0e-2]}
metrics: [eval.retrieval.i2t_r1, loss]
parallel: 3
)"));
  auto sweep = mmkd_in(dir_.path(), "sweep sweep.yaml --runs-dir runs");
  ASSERT_EQ(sweep.exit_code, 0) << sweep.output;
  const std::string report = dir_.file("runs/lr/report.html");
  const std::string html = read_file(report);
  const RenderedPage page = render_in_chromium(*chromium_, report);
  expect_every_chart_rendered(html, page);
  size_t bar_charts = 0;
  for (const nlohmann::json& chart : page.layout["charts"]) {
    if (chart["kind"] == "bar") {
      ++bar_charts;
      EXPECT_EQ(chart["bars"].size(), 3u) << chart.dump();
    } else {
      std::set<std::string> runs;
      for (const nlohmann::json& path : chart["paths"]) runs.insert(path["series"].get<std::string>());
      EXPECT_EQ(runs.size(), 3u) << chart["chart"];
    }
  }
  EXPECT_EQ(bar_charts, 1u);
}

}  // namespace
