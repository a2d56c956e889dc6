#include "mmkd_testing.hpp"
#include "report/markdown_table_html.hpp"
#include "report/metric_charts.hpp"
#include "report/metric_history.hpp"
#include "report/sweep_report.hpp"

#include <gtest/gtest.h>

#include <cmath>

using namespace mmkd;

namespace {

// The keys of a quickstart run's metrics.jsonl (trainer.time_phases on).
const std::vector<std::string> kQuickstartKeys = {
    "clip.i2t_acc", "clip.i2t_loss", "clip.loss", "clip.t2i_acc", "clip.t2i_loss", "clip.temperature", "epoch",
    "eval.retrieval.i2t_r1", "eval.retrieval.i2t_r10", "eval.retrieval.i2t_r5", "eval.retrieval.t2i_r1",
    "eval.retrieval.t2i_r10", "eval.retrieval.t2i_r5", "eval.retrieval.median_rank", "grad_norm", "loss", "lr",
    "memory.peak_mib", "samples_per_second", "step", "tflops_per_second", "time.backward", "time.data"};

const MetricChart* chart_titled(const std::vector<MetricChart>& charts, const std::string& title) {
  for (const auto& chart : charts)
    if (chart.title == title) return &chart;
  return nullptr;
}

TEST(ReportParts, RunChartsGroupLossesEvaluatorsAndThroughputBySection) {
  const auto charts = run_charts(kQuickstartKeys);
  ASSERT_FALSE(charts.empty());
  EXPECT_EQ(charts.front().title, "loss: total and per loss");
  EXPECT_EQ(charts.front().keys, (std::vector<std::string>{"loss", "clip.loss"}));
  EXPECT_TRUE(charts.front().smoothed);
  const auto* losses = chart_titled(charts, "clip: losses");
  ASSERT_NE(losses, nullptr);
  EXPECT_EQ(losses->keys, (std::vector<std::string>{"clip.i2t_loss", "clip.loss", "clip.t2i_loss"}));
  const auto* accuracy = chart_titled(charts, "clip: accuracy");
  ASSERT_NE(accuracy, nullptr);
  EXPECT_EQ(accuracy->keys, (std::vector<std::string>{"clip.i2t_acc", "clip.t2i_acc"}));
  EXPECT_NE(chart_titled(charts, "clip.temperature"), nullptr);
  const auto* retrieval = chart_titled(charts, "eval.retrieval");
  ASSERT_NE(retrieval, nullptr);
  EXPECT_EQ(retrieval->keys.size(), 6u);
  EXPECT_FALSE(retrieval->smoothed);
  EXPECT_EQ(retrieval->section, "Evaluation");
  const auto* ranks = chart_titled(charts, "eval.retrieval (rank)");
  ASSERT_NE(ranks, nullptr);
  EXPECT_EQ(ranks->keys, std::vector<std::string>{"eval.retrieval.median_rank"});
  const auto* times = chart_titled(charts, "time per step by phase (s)");
  ASSERT_NE(times, nullptr);
  EXPECT_EQ(times->keys, (std::vector<std::string>{"time.backward", "time.data"}));
  EXPECT_EQ(chart_titled(charts, "learning rate")->section, "Optimisation");
  EXPECT_FALSE(chart_titled(charts, "learning rate")->smoothed);
  EXPECT_EQ(chart_titled(charts, "samples/s")->section, "Throughput and memory");
  for (const auto& chart : charts)
    for (const auto& key : chart.keys) EXPECT_TRUE(key != "step" && key != "epoch") << chart.title;
  std::vector<std::string> sections;
  for (const auto& chart : charts)
    if (sections.empty() || sections.back() != chart.section) sections.push_back(chart.section);
  EXPECT_EQ(sections, (std::vector<std::string>{"Losses", "Evaluation", "Optimisation", "Throughput and memory"}));
}

TEST(ReportParts, PerMetricChartsHaveOneMetricEach) {
  const auto charts = per_metric_charts(kQuickstartKeys);
  EXPECT_EQ(charts.size(), kQuickstartKeys.size() - 2);  // not step and epoch
  EXPECT_EQ(charts.front().keys, std::vector<std::string>{"loss"});
  for (const auto& chart : charts) {
    ASSERT_EQ(chart.keys.size(), 1u);
    EXPECT_EQ(chart.title, chart.keys.front());
  }
}

TEST(ReportParts, AResultsTableBecomesHtmlWithSpanningHeadings) {
  const std::string html = markdown_table_html(
      "| Model | eval |  |  |  |  |  |\n"
      "| --- | --- | --- | --- | --- | --- | --- |\n"
      "|  | Image \u2192 Text |  |  | Text \u2192 Image |  |  |\n"
      "|  | R@1 | R@5 | R@10 | R@1 | R@5 | R@10 |\n"
      "| quickstart (step 60) | 3.91 | 14.45 | 25.39 | 1.95 | 12.11 | <26.56> |\n");
  EXPECT_NE(html.find("<th rowspan=\"3\">Model</th><th colspan=\"6\">eval</th>"), std::string::npos) << html;
  EXPECT_NE(html.find("<th colspan=\"3\">Image \u2192 Text</th><th colspan=\"3\">Text \u2192 Image</th>"), std::string::npos);
  EXPECT_NE(html.find("<th>R@1</th><th>R@5</th><th>R@10</th><th>R@1</th>"), std::string::npos);
  EXPECT_NE(html.find("<tr><td>quickstart (step 60)</td><td>3.91</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>&lt;26.56&gt;</td>"), std::string::npos);
  EXPECT_EQ(markdown_table_html("no table here\n"), "");
}

TEST(ReportParts, MetricHistoryReadsNonFiniteValuesInStepOrder) {
  mmkd::testing::TempDir dir;
  mmkd::testing::write_file(dir.file("metrics.jsonl"),
                      "{\"step\": 8, \"loss\": 2.5, \"lr\": 0.001, \"note\": \"text\"}\n"
                      "not json\n"
                      "{\"loss\": 9}\n"
                      "{\"step\": 4, \"loss\": \"nan\", \"grad_norm\": \"inf\"}\n"
                      "{\"step\": 12, \"loss\": 1.5, \"eval.retrieval.i2t_r1\": 0.25}\n");
  const MetricHistory history = read_metric_history(dir.file("metrics.jsonl"));
  ASSERT_EQ(history.count("loss"), 1u);
  const auto& loss = history.at("loss");
  ASSERT_EQ(loss.size(), 3u);
  EXPECT_EQ(loss[0].x, 4);
  EXPECT_TRUE(std::isnan(loss[0].y));
  EXPECT_EQ(loss[1].x, 8);
  EXPECT_EQ(loss[2].y, 1.5);
  EXPECT_TRUE(std::isinf(history.at("grad_norm").front().y));
  EXPECT_EQ(history.count("note"), 0u);
  EXPECT_EQ(history.count("step"), 0u);
  EXPECT_EQ(last_finite_value(history, "loss"), 1.5);
  EXPECT_FALSE(last_finite_value(history, "grad_norm").has_value());
  EXPECT_TRUE(read_metric_history(dir.file("missing.jsonl")).empty());
}

TEST(ReportParts, LowerIsBetterForLossesRanksAndPerplexities) {
  EXPECT_TRUE(lower_is_better("loss"));
  EXPECT_TRUE(lower_is_better("eval.val.mlm_loss"));
  EXPECT_TRUE(lower_is_better("eval.retrieval.i2t_median_rank"));
  EXPECT_TRUE(lower_is_better("eval.lm.perplexity"));
  EXPECT_FALSE(lower_is_better("eval.retrieval.i2t_r1"));
  EXPECT_FALSE(lower_is_better("eval.itm_rerank.i2t_r1"));
  EXPECT_FALSE(lower_is_better("eval.glue.accuracy"));
}

}  // namespace
