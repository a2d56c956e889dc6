#include "cli/sweep_command.hpp"

#include "config/experiment_file.hpp"
#include "io/atomic_file.hpp"
#include "report/metric_history.hpp"
#include "report/report_file.hpp"
#include "state/run_folder.hpp"

#include <mmkd/error.hpp>

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace mmkd {
namespace {

// Starts `mmkd run` for one run; its output goes to `log` when given.
pid_t start_run(const SweepFile& sweep, const std::vector<std::string>& overrides, const std::string& folder, bool resume,
                int slot, const std::string& log) {
  std::vector<std::string> arguments = {"/proc/self/exe", "run", sweep.experiment};
  arguments.insert(arguments.end(), overrides.begin(), overrides.end());
  arguments.insert(arguments.end(), {"--run-dir", folder});
  if (resume) arguments.push_back("--resume");
  const pid_t pid = fork();
  if (pid < 0) throw Error("cannot start a run of sweep " + sweep.name);
  if (pid > 0) return pid;
  if (sweep.parallel > 1) setenv("CUDA_VISIBLE_DEVICES", std::to_string(slot).c_str(), 1);
  if (!log.empty()) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) dup2(fd, STDOUT_FILENO), dup2(fd, STDERR_FILENO);
  }
  std::vector<char*> argv;
  for (auto& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);
  execv("/proc/self/exe", argv.data());
  _exit(127);
}

}  // namespace

std::vector<std::string> run_overrides(const SweepFile& sweep, const SweepRun& run, const std::vector<std::string>& extra) {
  std::vector<std::string> all = sweep.overrides;
  all.insert(all.end(), run.overrides.begin(), run.overrides.end());
  all.insert(all.end(), extra.begin(), extra.end());
  return all;
}

std::string config_hash(const std::string& text) {
  uint64_t hash = 1469598103934665603ULL;
  for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ULL;
  return fmt::format("{:08x}", static_cast<uint32_t>(hash ^ (hash >> 32)));
}

std::string sweep_run_folder(const SweepFile& sweep, const SweepRun& run, const std::vector<std::string>& overrides) {
  const std::string resolved = to_yaml(load_experiment(sweep.experiment, overrides));
  return (fs::path(sweep.folder) / (run.name + "-" + config_hash(resolved))).string();
}

std::vector<ResultsRow> sweep_rows(const SweepFile& sweep, const std::vector<std::string>& run_folders) {
  std::vector<std::string> metrics = sweep.metrics;
  std::vector<ResultsRow> rows;
  for (size_t i = 0; i < sweep.runs.size(); ++i) {
    const MetricHistory history = read_metric_history(run_folders[i] + "/metrics.jsonl");
    if (metrics.empty())
      for (const auto& [key, _] : history)
        if (key.rfind("eval.", 0) == 0) metrics.push_back(key);
    ResultsRow row{sweep.runs[i].name, {}};
    for (const auto& metric : metrics) {
      const std::optional<double> value = last_finite_value(history, metric);
      row.cells.push_back({{metric}, value ? fmt::format("{:.4f}", *value) : ""});
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

void write_sweep_table(const SweepFile& sweep, const std::vector<ResultsRow>& rows) {
  std::string csv = "run";
  if (!rows.empty())
    for (const auto& cell : rows.front().cells) csv += "," + cell.heading.back();
  csv += "\n";
  for (const auto& row : rows) {
    csv += "\"" + row.label + "\"";
    for (const auto& cell : row.cells) csv += "," + cell.value;
    csv += "\n";
  }
  write_text_atomically((fs::path(sweep.folder) / "results.csv").string(), csv);
  write_text_atomically((fs::path(sweep.folder) / "results.md").string(), markdown_table("Run", rows));
}

int run_sweep(const SweepFile& sweep, const std::vector<std::string>& extra) {
  fs::create_directories(sweep.folder);
  std::vector<std::string> folders;
  for (const auto& run : sweep.runs) folders.push_back(sweep_run_folder(sweep, run, run_overrides(sweep, run, extra)));

  std::map<pid_t, std::pair<size_t, int>> running;  // pid -> (run, slot)
  std::set<int> free_slots;
  for (int slot = 0; slot < sweep.parallel; ++slot) free_slots.insert(slot);
  std::vector<std::string> failed;
  auto wait_one = [&] {
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    auto it = running.find(pid);
    if (it == running.end()) return;
    const auto [index, slot] = it->second;
    running.erase(it);
    free_slots.insert(slot);
    const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    std::cout << fmt::format("sweep {}: {} {}\n", sweep.name, sweep.runs[index].name, ok ? "finished" : "FAILED") << std::flush;
    if (!ok) failed.push_back(sweep.runs[index].name + " (" + folders[index] + ")");
  };
  for (size_t i = 0; i < sweep.runs.size(); ++i) {
    const std::string state = read_run_state(folders[i]);
    if (state == "finished") {
      std::cout << fmt::format("sweep {}: {} finished already ({})\n", sweep.name, sweep.runs[i].name, folders[i]);
      continue;
    }
    const bool resume = fs::exists(fs::path(folders[i]) / "checkpoints") && !fs::is_empty(fs::path(folders[i]) / "checkpoints");
    while (free_slots.empty()) wait_one();
    const int slot = *free_slots.begin();
    free_slots.erase(free_slots.begin());
    std::cout << fmt::format("sweep {}: {} {} ({})\n", sweep.name, resume ? "resuming" : "starting", sweep.runs[i].name,
                             folders[i])
              << std::flush;
    const std::string log = sweep.parallel > 1 ? folders[i] + ".log" : "";
    running[start_run(sweep, run_overrides(sweep, sweep.runs[i], extra), folders[i], resume, slot, log)] = {i, slot};
  }
  while (!running.empty()) wait_one();

  const auto rows = sweep_rows(sweep, folders);
  write_sweep_table(sweep, rows);
  std::cout << "\n" << markdown_table("Run", rows) << fmt::format("\nwrote {}/results.md and results.csv\n", sweep.folder);
  if (const std::string warning = write_report_or_warning(sweep.folder); !warning.empty()) std::cerr << warning << "\n";
  else std::cout << fmt::format("wrote {}/report.html\n", sweep.folder);
  if (failed.empty()) return 0;
  std::cerr << "error: " << failed.size() << " run(s) of sweep " << sweep.name << " failed:";
  for (const auto& run : failed) std::cerr << "\n  " << run;
  std::cerr << "\n";
  return 1;
}

}  // namespace mmkd
