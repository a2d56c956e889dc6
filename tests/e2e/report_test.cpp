#include "report_checks.hpp"
#include "tiny_experiment.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace fs = std::filesystem;
using namespace mmkd::testing;

namespace {

// How many records of the run's metrics.jsonl hold `key`.
int records_with(const std::string& run_dir, const std::string& key) {
  int count = 0;
  std::istringstream lines(read_file(run_dir + "/metrics.jsonl"));
  std::string line;
  while (std::getline(lines, line)) count += nlohmann::json::parse(line).contains(key) ? 1 : 0;
  return count;
}

// Nothing the report needs is fetched: no script, stylesheet or image from elsewhere.
void expect_self_contained(const std::string& html) {
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("href=\"http"), std::string::npos);
}

TEST(RunReport, ARunWritesItsReportWithTheChartsOfItsMetrics) {
  TempDir dir;
  write_file(dir.file("exp.yaml"), tiny_experiment_yaml("runs"));
  auto r = mmkd_in(dir.path(), "run exp.yaml --run-dir run");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("warning"), std::string::npos) << r.output;
  const std::string html = read_file(dir.file("run/report.html"));
  const int logged = records_with(dir.file("run"), "loss"), validated = records_with(dir.file("run"), "eval.retrieval.i2t_r1");
  ASSERT_GT(logged, 3);
  ASSERT_EQ(validated, 3);  // every epoch

  const std::string loss = chart_svg(html, "loss: total and per loss");
  ASSERT_FALSE(loss.empty()) << html;
  for (const char* series : {"loss", "clip.loss"}) {
    EXPECT_EQ(series_point_counts(loss, series, "raw"), std::vector<int>{logged}) << series;
    EXPECT_EQ(series_point_counts(loss, series, "smoothed"), std::vector<int>{logged}) << series;
  }
  EXPECT_EQ(series_point_counts(chart_svg(html, "clip: losses"), "clip.i2t_loss", "smoothed"), std::vector<int>{logged});
  EXPECT_EQ(series_point_counts(chart_svg(html, "clip: accuracy"), "clip.t2i_acc", "raw"), std::vector<int>{logged});
  const std::string retrieval = chart_svg(html, "eval.retrieval");
  EXPECT_EQ(chart_paths(retrieval).size(), 6u);
  EXPECT_EQ(series_point_counts(retrieval, "eval.retrieval.i2t_r1", "line"), std::vector<int>{validated});
  EXPECT_EQ(series_point_counts(chart_svg(html, "learning rate"), "lr", "line"), std::vector<int>{logged});
  EXPECT_EQ(series_point_counts(chart_svg(html, "samples/s"), "samples_per_second", "smoothed"), std::vector<int>{logged});

  EXPECT_NE(html.find("<h3>eval/results.md</h3>"), std::string::npos);
  EXPECT_NE(html.find("<th colspan=\"3\">Image \u2192 Text</th>"), std::string::npos);
  EXPECT_NE(html.find("<td>tiny (step 24)</td>"), std::string::npos);
  EXPECT_NE(html.find("<span class=\"state state-finished\">finished</span>"), std::string::npos);
  EXPECT_NE(html.find("<pre>name: tiny\n"), std::string::npos);
  EXPECT_NE(html.find("wall time since then"), std::string::npos);
  expect_self_contained(html);
}

// The tiny experiment plus a loss that sleeps 40 ms per step, so that a run can be stopped mid-way.
std::string sleepy_tiny_experiment() {
  std::string yaml = tiny_experiment_yaml("runs");
  yaml.replace(yaml.find("optimizer:"), 0,
               "  slow: {type: test_sleep, weight: 0.0, milliseconds: 40, inputs: {x: image.embedding}}\n");
  return "plugins: [" + test_plugin_dir() + "/mmkd_test_sleep_loss.so]\n" + yaml;
}

TEST(RunReport, AnInterruptedRunHasAReportAndResumingRewritesIt) {
  TempDir dir;
  write_file(dir.file("exp.yaml"), sleepy_tiny_experiment());
  auto stopped = run_command("cd '" + dir.path() + "' && ('" + mmkd_executable() +
                             "' run exp.yaml --run-dir run > run.log 2>&1 & pid=$!; for i in $(seq 1 3000); do "
                             "[ -e run/checkpoints/step_00000004.pt ] && break; sleep 0.01; done; kill -INT $pid; "
                             "wait $pid; echo exit=$?)");
  ASSERT_NE(stopped.output.find("exit=130"), std::string::npos) << stopped.output << read_file(dir.file("run.log"));
  std::string html = read_file(dir.file("run/report.html"));
  EXPECT_NE(html.find("state-interrupted"), std::string::npos);
  const int logged_before = records_with(dir.file("run"), "loss");
  EXPECT_EQ(series_point_counts(chart_svg(html, "loss: total and per loss"), "loss", "raw"), std::vector<int>{logged_before});

  auto resumed = mmkd_in(dir.path(), "run exp.yaml --run-dir run --resume");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  html = read_file(dir.file("run/report.html"));
  EXPECT_NE(html.find("state-finished"), std::string::npos);
  const int logged = records_with(dir.file("run"), "loss");
  EXPECT_GT(logged, logged_before);
  EXPECT_EQ(series_point_counts(chart_svg(html, "loss: total and per loss"), "loss", "raw"), std::vector<int>{logged});
  EXPECT_EQ(series_point_counts(chart_svg(html, "slow: losses"), "slow.loss", "smoothed"), std::vector<int>{logged});
}

TEST(RunReport, AReportThatCannotBeWrittenOnlyWarns) {
  TempDir dir;
  write_file(dir.file("exp.yaml"), tiny_experiment_yaml("runs"));
  fs::create_directories(dir.file("run/report.html/in_the_way"));
  auto r = mmkd_in(dir.path(), "run exp.yaml --run-dir run trainer.epochs=1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("warning: could not write run/report.html"), std::string::npos) << r.output;
  EXPECT_NE(read_file(dir.file("run/status.json")).find("finished"), std::string::npos);
}

TEST(RunReport, TheCommandWritesWhereAskedDownsamplesAndRefusesOtherFolders) {
  TempDir dir;
  write_run_folder_by_hand(dir.file("run"), 5000);
  auto r = mmkd_in(dir.path(), "report run --out elsewhere/run.html");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("wrote elsewhere/run.html"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir.file("run/report.html")));
  const std::string html = read_file(dir.file("elsewhere/run.html"));
  const std::string loss = chart_svg(html, "loss: total and per loss");
  for (const char* role : {"raw", "smoothed"}) {
    const auto counts = series_point_counts(loss, "loss", role);
    ASSERT_EQ(counts.size(), 1u) << role;
    EXPECT_LE(counts[0], 2000) << role;
    EXPECT_GE(counts[0], 1900) << role;
  }
  EXPECT_EQ(series_point_counts(chart_svg(html, "eval.retrieval"), "eval.retrieval.i2t_r1", "line"), std::vector<int>{50});
  EXPECT_NE(html.find("<td>handmade (step 5000)</td>"), std::string::npos);
  expect_self_contained(html);

  write_run_folder_by_hand(dir.file("short"), 3);  // two finite losses, one NaN
  ASSERT_EQ(mmkd_in(dir.path(), "report short").exit_code, 0);
  EXPECT_EQ(series_point_counts(chart_svg(read_file(dir.file("short/report.html")), "loss: total and per loss"), "loss", "raw"),
            std::vector<int>{2});

  fs::create_directories(dir.file("empty"));
  auto refused = mmkd_in(dir.path(), "report empty");
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("neither a run folder"), std::string::npos) << refused.output;
  EXPECT_EQ(mmkd_in(dir.path(), "report missing").exit_code, 2);
}

// Values of results.csv by run and column.
std::map<std::string, std::map<std::string, double>> sweep_table_values(const std::string& csv_path) {
  std::map<std::string, std::map<std::string, double>> values;
  std::istringstream lines(read_file(csv_path));
  std::string header, line;
  std::getline(lines, header);
  std::vector<std::string> columns;
  std::istringstream header_cells(header);
  for (std::string cell; std::getline(header_cells, cell, ',');) columns.push_back(cell);
  while (std::getline(lines, line)) {
    const size_t label_end = line.find("\",");
    const std::string run = line.substr(1, label_end - 1);
    std::istringstream cells(line.substr(label_end + 2));
    size_t column = 1;
    for (std::string cell; std::getline(cells, cell, ','); ++column) values[run][columns[column]] = std::stod(cell);
  }
  return values;
}

TEST(SweepReport, ThreeRunsOverlaidTheBestValuesInBoldAndABarPerRun) {
  TempDir dir;
  write_file(dir.file("exp.yaml"), tiny_experiment_yaml("runs"));
  write_file(dir.file("sweep.yaml"), R"(name: lr
experiment: exp.yaml
overrides: {trainer.epochs: 2}
grid: {optimizer.lr: [1.0e-3, 3.0e-3, 1.0e-2]}
metrics: [eval.retrieval.i2t_r1, loss]
parallel: 3
)");
  auto r = mmkd_in(dir.path(), "sweep sweep.yaml");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string sweep = dir.file("runs/sweeps/lr");
  EXPECT_NE(r.output.find("wrote " + sweep + "/report.html"), std::string::npos) << r.output;
  const std::string html = read_file(sweep + "/report.html");
  const std::set<std::string> runs = {"optimizer.lr=1.0e-3", "optimizer.lr=3.0e-3", "optimizer.lr=1.0e-2"};

  const auto line_charts = chart_svgs_of_kind(html, "line");
  ASSERT_GT(line_charts.size(), 10u);
  for (const auto& chart : line_charts) {
    std::set<std::string> drawn;
    for (const auto& path : chart_paths(chart))
      if (path.role != "raw") drawn.insert(path.series);
    EXPECT_EQ(drawn, runs) << chart.substr(0, 300);
  }
  for (const auto& run : runs) {
    EXPECT_EQ(series_point_counts(chart_svg(html, "eval.retrieval.i2t_r1"), run, "line"), std::vector<int>{2}) << run;
    EXPECT_EQ(series_point_counts(chart_svg(html, "loss"), run, "smoothed").size(), 1u) << run;
  }

  const auto values = sweep_table_values(sweep + "/results.csv");
  ASSERT_EQ(values.size(), 3u);
  size_t expected_best_cells = 0;
  for (const std::string column : {"eval.retrieval.i2t_r1", "loss"}) {
    double best = column == "loss" ? 1e300 : -1e300;
    for (const auto& [_, row] : values) best = column == "loss" ? std::min(best, row.at(column)) : std::max(best, row.at(column));
    for (const auto& [run, row] : values) {
      if (row.at(column) != best) continue;
      ++expected_best_cells;
      char cell[64];
      std::snprintf(cell, sizeof cell, "<td class=\"best\"><strong>%.4f</strong></td>", best);
      EXPECT_NE(html.find(cell), std::string::npos) << column << " " << run;
    }
  }
  size_t best_cells = 0;
  for (size_t at = html.find("class=\"best\""); at != std::string::npos; at = html.find("class=\"best\"", at + 1)) ++best_cells;
  EXPECT_EQ(best_cells, expected_best_cells);

  const auto bars = chart_svgs_of_kind(html, "bar");
  ASSERT_EQ(bars.size(), 1u);
  EXPECT_NE(bars[0].find("data-chart=\"final eval.retrieval.i2t_r1\""), std::string::npos);
  std::map<std::string, double> bar_values;
  static const std::regex bar(R"re(<rect class="bar" data-bar="([^"]*)" data-value="([^"]*)")re");
  for (std::sregex_iterator it(bars[0].begin(), bars[0].end(), bar), end; it != end; ++it)
    bar_values[(*it)[1]] = std::stod((*it)[2]);
  ASSERT_EQ(bar_values.size(), 3u) << bars[0];
  for (const auto& run : runs)  // results.csv rounds to 4 decimals
    EXPECT_NEAR(bar_values[run], values.at(run).at("eval.retrieval.i2t_r1"), 1e-4) << run;
  EXPECT_NE(html.find("<a href=\"optimizer.lr=1.0e-3-"), std::string::npos) << "links to the runs' reports";
  expect_self_contained(html);
}

}  // namespace
