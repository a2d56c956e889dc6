#include "report/sweep_report.hpp"

#include "report/chart_sections.hpp"
#include "report/metric_history.hpp"
#include "report/report_inputs.hpp"
#include "report/svg_chart.hpp"
#include "report/xml_escape.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

namespace fs = std::filesystem;

namespace mmkd {

namespace {

struct ComparedRun {
  std::string name;
  std::optional<fs::path> folder;   // none: a row of results.csv whose folder is gone
  std::vector<std::string> cells;   // one per metric column
  MetricHistory history;
};

struct Comparison {
  std::vector<std::string> metrics;  // the table's columns after the run's
  std::vector<ComparedRun> runs;
};

// Records of CSV text: fields separated by commas, quoted ones may hold commas and "" quotes.
std::vector<std::vector<std::string>> csv_records(const std::string& text) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') field += '"', ++i;
      else if (c == '"') quoted = false;
      else field += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      record.push_back(std::move(field));
      field.clear();
    } else if (c == '\n') {
      record.push_back(std::move(field));
      field.clear();
      records.push_back(std::move(record));
      record.clear();
    } else if (c != '\r') {
      field += c;
    }
  }
  if (!field.empty() || !record.empty()) {
    record.push_back(std::move(field));
    records.push_back(std::move(record));
  }
  return records;
}

// A sweep run's folder is "<run>-<8 hex digits of its config's hash>".
std::string run_name_of_folder(const std::string& name) {
  const size_t dash = name.rfind('-');
  if (dash == std::string::npos || name.size() - dash != 9) return name;
  for (size_t i = dash + 1; i < name.size(); ++i)
    if (!std::isxdigit(static_cast<unsigned char>(name[i]))) return name;
  return name.substr(0, dash);
}

bool holds_a_run(const fs::path& folder) {
  return fs::exists(folder / "metrics.jsonl") || fs::exists(folder / "status.json") || fs::exists(folder / "config.yaml");
}

// The runs in the order of results.csv, then the folders it does not name, by name.
Comparison compared_runs(const fs::path& sweep) {
  Comparison comparison;
  std::vector<fs::path> folders;
  for (const auto& entry : fs::directory_iterator(sweep))
    if (entry.is_directory() && holds_a_run(entry.path())) folders.push_back(entry.path());
  std::sort(folders.begin(), folders.end());
  const auto records = csv_records(text_of_file(sweep / "results.csv"));
  const bool has_table = !records.empty() && !records.front().empty();
  if (has_table) {
    comparison.metrics.assign(records.front().begin() + 1, records.front().end());
    for (size_t r = 1; r < records.size(); ++r) {
      if (records[r].empty()) continue;
      comparison.runs.push_back({records[r].front(), std::nullopt, {records[r].begin() + 1, records[r].end()}, {}});
    }
  }
  for (const auto& folder : folders) {
    const std::string name = run_name_of_folder(folder.filename().string());
    auto it = std::find_if(comparison.runs.begin(), comparison.runs.end(),
                           [&](const ComparedRun& run) { return run.name == name && !run.folder; });
    if (it == comparison.runs.end()) {
      comparison.runs.push_back({name, folder, {}, {}});
      it = comparison.runs.end() - 1;
    }
    it->folder = folder;
    it->history = read_metric_history((folder / "metrics.jsonl").string());
  }
  if (!has_table) {
    std::set<std::string> metrics;
    for (const auto& run : comparison.runs)
      for (const auto& [key, _] : run.history)
        if (key.rfind("eval.", 0) == 0) metrics.insert(key);
    comparison.metrics.assign(metrics.begin(), metrics.end());
    for (auto& run : comparison.runs)
      for (const auto& metric : comparison.metrics) {
        const auto value = last_finite_value(run.history, metric);
        run.cells.push_back(value ? fmt::format("{:.4f}", *value) : "");
      }
  }
  for (auto& run : comparison.runs) run.cells.resize(comparison.metrics.size());
  return comparison;
}

std::optional<double> cell_number(const std::string& cell) {
  if (cell.empty()) return std::nullopt;
  char* end = nullptr;
  const double value = std::strtod(cell.c_str(), &end);
  if (end != cell.c_str() + cell.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

// The mode of eval.best_metric when a run's eval/best.json names `metric`, else by its name.
bool lower_is_better_in(const Comparison& comparison, const std::string& metric) {
  for (const auto& run : comparison.runs)
    if (run.folder) {
      const auto best = json_of_file(*run.folder / "eval" / "best.json");
      if (best.is_object() && best.value("metric", "") == metric) return best.value("mode", "max") == "min";
    }
  return lower_is_better(metric);
}

std::string run_state_of(const ComparedRun& run) {
  if (!run.folder) return "missing";
  const auto status = json_of_file(*run.folder / "status.json");
  return status.is_object() ? status.value("state", "unknown") : "not started";
}

std::string comparison_table(const Comparison& comparison, const fs::path& report_dir) {
  std::vector<std::optional<double>> best(comparison.metrics.size());
  std::vector<bool> lower(comparison.metrics.size());
  for (size_t c = 0; c < comparison.metrics.size(); ++c) {
    lower[c] = lower_is_better_in(comparison, comparison.metrics[c]);
    for (const auto& run : comparison.runs)
      if (const auto value = cell_number(run.cells[c]))
        if (!best[c] || (lower[c] ? *value < *best[c] : *value > *best[c])) best[c] = value;
  }
  std::string html = "<table class=\"comparison\">\n<thead><tr><th>Run</th><th>state</th>";
  for (size_t c = 0; c < comparison.metrics.size(); ++c)
    html += fmt::format("<th title=\"{} is better\">{} {}</th>", lower[c] ? "lower" : "higher",
                        xml_escape(comparison.metrics[c]), lower[c] ? "&darr;" : "&uarr;");
  html += "</tr></thead>\n<tbody>\n";
  for (const auto& run : comparison.runs) {
    std::string name = xml_escape(run.name);
    if (run.folder && fs::exists(*run.folder / "report.html"))
      name = fmt::format("<a href=\"{}\">{}</a>",
                         xml_escape(fs::relative(*run.folder / "report.html", report_dir).generic_string()), name);
    const std::string state = run_state_of(run);
    html += fmt::format("<tr><td>{}</td><td><span class=\"state state-{}\">{}</span></td>", name, xml_escape(state),
                        xml_escape(state));
    for (size_t c = 0; c < comparison.metrics.size(); ++c) {
      const auto value = cell_number(run.cells[c]);
      html += value && best[c] && *value == *best[c]
                  ? fmt::format("<td class=\"best\"><strong>{}</strong></td>", xml_escape(run.cells[c]))
                  : fmt::format("<td>{}</td>", xml_escape(run.cells[c]));
    }
    html += "</tr>\n";
  }
  return html + "</tbody>\n</table>\n<p class=\"muted\">best value of each column in bold (&uarr; higher is better, "
                "&darr; lower)</p>";
}

std::string final_values_chart(const Comparison& comparison) {
  if (comparison.metrics.empty()) return "<p class=\"muted\">the sweep compares no metric</p>";
  const std::string& metric = comparison.metrics.front();
  BarChart chart{"final " + metric, {}};
  for (size_t i = 0; i < comparison.runs.size(); ++i) {
    const ComparedRun& run = comparison.runs[i];
    std::optional<double> value = last_finite_value(run.history, metric);
    if (!value) value = cell_number(run.cells.front());
    chart.bars.push_back({run.name, value, palette_color(i)});
  }
  return chart_grid({bar_chart_svg(chart)});
}

}  // namespace

bool lower_is_better(const std::string& metric) {
  const std::string leaf = metric.substr(metric.rfind('.') == std::string::npos ? 0 : metric.rfind('.') + 1);
  for (const char* word : {"loss", "rank", "perplexity", "error"})
    if (leaf.find(word) != std::string::npos) return true;
  return false;
}

std::string sweep_report_html(const std::string& sweep_dir, const std::string& report_dir) {
  const fs::path sweep(sweep_dir);
  const Comparison comparison = compared_runs(sweep);
  std::map<std::string, int> states;
  for (const auto& run : comparison.runs) ++states[run_state_of(run)];
  std::string counts;
  for (const auto& [state, count] : states) counts += fmt::format("{}{} {}", counts.empty() ? "" : ", ", count, state);

  HtmlPage page;
  page.title = "sweep " + folder_name(sweep);
  page.summary = fmt::format("<p>{} runs{} &middot; <span class=\"muted\">{}</span></p>", comparison.runs.size(),
                             counts.empty() ? "" : ": " + xml_escape(counts), xml_escape(fs::absolute(sweep).string()));
  page.sections.push_back({"comparison", "Comparison", comparison_table(comparison, report_dir)});
  page.sections.push_back({"final-values", "Final values", final_values_chart(comparison)});
  std::set<std::string> keys;
  for (const auto& run : comparison.runs)
    for (const auto& [key, _] : run.history) keys.insert(key);
  const auto curves = chart_sections(per_metric_charts({keys.begin(), keys.end()}), [&](const MetricChart& chart) {
    std::vector<Series> series;
    for (size_t i = 0; i < comparison.runs.size(); ++i)
      if (const auto it = comparison.runs[i].history.find(chart.keys.front()); it != comparison.runs[i].history.end())
        series.push_back({comparison.runs[i].name, it->second, palette_color(i)});
    return series;
  });
  page.sections.insert(page.sections.end(), curves.begin(), curves.end());
  return html_document(page);
}

}  // namespace mmkd
