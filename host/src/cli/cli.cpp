#include "cli/cli.hpp"

#include "cli/bench_command.hpp"
#include "cli/cache_teacher_command.hpp"
#include "cli/completion.hpp"
#include "cli/convert_command.hpp"
#include "cli/describe.hpp"
#include "cli/eval_command.hpp"
#include "cli/export_command.hpp"
#include "cli/external_command.hpp"
#include "cli/probe_command.hpp"
#include "cli/sweep_command.hpp"
#include "cli/trained_weights.hpp"
#include "config/experiment_file.hpp"
#include "convert/checkpoint_formats.hpp"
#include "distributed/launcher.hpp"
#include "distributed/process_group.hpp"
#include "graph/experiment_plan.hpp"
#include "graph/planned_config.hpp"
#include "plugins/plugin_loader.hpp"
#include "report/report_command.hpp"
#include "train/results_table.hpp"
#include "train/shape_check.hpp"
#include "train/trainer.hpp"
#include "util/error_text.hpp"
#include "util/names.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

namespace mmkd {
namespace {

constexpr int kExitFailure = 1;
constexpr int kExitBadInput = 2;

struct Loaded {
  Registry registry;
  ExperimentPlan plan;
};

// Config, plugins and plan: everything checked before any data or weight is read.
std::unique_ptr<Loaded> load_experiment_plan(const std::string& path, const std::vector<std::string>& overrides,
                                             ExperimentVariant variant = ExperimentVariant::as_written) {
  auto loaded = std::make_unique<Loaded>();
  ConfigNode config = load_experiment(path, overrides, variant);
  auto searched = load_all_plugins(loaded->registry, plugin_paths_of(config, path));
  loaded->plan = plan_experiment(loaded->registry, config, path, searched);
  return loaded;
}

int report_bad_input(const std::exception& e) {
  if (const auto* config_error = dynamic_cast<const ConfigError*>(&e)) {
    const auto& diagnostics = config_error->diagnostics();
    for (const auto& d : diagnostics) std::cerr << "error: " << d.to_string() << "\n";
    if (diagnostics.size() > 1) std::cerr << diagnostics.size() << " errors\n";
  } else {
    std::cerr << "error: " << error_text(e) << "\n";
  }
  return kExitBadInput;
}

// Loads the experiment, then runs `body` on it: bad input (config, command line, a data file)
// exits 2, other failures 1.
template <class F>
int with_experiment(const std::string& path, const std::vector<std::string>& overrides, F&& body,
                    ExperimentVariant variant = ExperimentVariant::as_written) {
  std::unique_ptr<Loaded> loaded;
  try {
    loaded = load_experiment_plan(path, overrides, variant);
  } catch (const std::exception& e) {
    return report_bad_input(e);
  }
  try {
    return body(*loaded);
  } catch (const ConfigError& e) {
    return report_bad_input(e);
  } catch (const DataError& e) {
    std::cerr << "\n";
    return report_bad_input(e);
  } catch (const std::exception& e) {
    std::cerr << "\nerror: " << error_text(e) << "\n";
    return kExitFailure;
  }
}

int command_run(const std::string& path, const std::vector<std::string>& overrides, const RunRequest& request,
                ExperimentVariant variant) {
  return with_experiment(
      path, overrides, [&](const Loaded& loaded) { return run_training(loaded.registry, loaded.plan, request); }, variant);
}

int command_validate(const std::string& path, const std::vector<std::string>& overrides, bool shapes, bool print,
                     ExperimentVariant variant) {
  try {
    auto loaded = load_experiment_plan(path, overrides, variant);
    const auto& plan = loaded->plan;
    if (print) std::cout << to_yaml(config_with_defaults(plan)) << "# ";
    std::cout << fmt::format("{}: valid ({}, {}, {}, {})\n", path, count_of(plan.teachers.size(), "teacher", "teachers"),
                             count_of(plan.model.size(), "model node", "model nodes"),
                             count_of(plan.losses.size(), "loss", "losses"),
                             count_of(plan.evaluators.size(), "evaluator", "evaluators"));
    if (shapes) {
      const int64_t samples = 2;
      std::cout << fmt::format("shapes, {} training samples through the graph on CPU:\n", samples)
                << describe_shapes(check_shapes(loaded->registry, plan, samples));
    }
    return 0;
  } catch (const std::exception& e) {
    return report_bad_input(e);
  }
}

int command_export(const std::string& run_dir, std::string out_dir) {
  try {
    const std::string config = (std::filesystem::path(run_dir) / "config.yaml").string();
    if (!std::filesystem::exists(config))
      throw Error(fmt::format("{} is not a run folder: it has no config.yaml", run_dir));
    auto loaded = load_experiment_plan(config, {});
    const std::string weights = trained_weights_of(run_dir);
    if (out_dir.empty()) out_dir = (std::filesystem::path(run_dir) / "export").string();
    auto written = export_encoders(loaded->registry, loaded->plan, weights, out_dir);
    if (written.empty()) std::cout << "no model node of this run has an export format\n";
    for (const auto& path : written) std::cout << fmt::format("wrote {} (from {})\n", path, weights);
    return 0;
  } catch (const std::exception& e) {
    return report_bad_input(e);
  }
}

int command_eval(const std::string& path, const std::vector<std::string>& overrides, const EvalRequest& request) {
  return with_experiment(path, overrides, [&](const Loaded& loaded) {
    const EvalOutcome outcome = run_evaluation(loaded.registry, loaded.plan, request);
    std::cout << fmt::format("evaluated {}\n\n", outcome.weights)
              << markdown_table("Model", {{loaded.plan.name, outcome.result.table}}) << "\n";
    for (const auto& [key, value] : outcome.result.metrics) std::cout << fmt::format("{} = {:.6g}\n", key, value);
    std::cout << fmt::format("wrote {}/results.json and results.md\n", outcome.out_dir);
    return 0;
  });
}

int command_bench(const std::string& path, std::vector<std::string> overrides, const BenchRequest& request) {
  for (const auto& override_text : bench_overrides(request)) overrides.push_back(override_text);
  const TempRunDir folder;
  return with_experiment(path, overrides, [&](const Loaded& loaded) {
    const int code = run_training(loaded.registry, loaded.plan, RunRequest{folder.run_dir(), Resume::no, true});
    if (code != kExitOk) return code;
    std::cout << "\n" << describe_bench(summarise_bench(folder.run_dir() + "/metrics.jsonl", request.warmup));
    return 0;
  }, request.as_written ? ExperimentVariant::as_written : ExperimentVariant::bench);
}

int command_cache_teacher(const std::string& path, const std::vector<std::string>& overrides,
                          const CacheTeacherRequest& request) {
  return with_experiment(path, overrides, [&](const Loaded& loaded) {
    std::cout << cache_teacher_outputs(loaded.registry, loaded.plan, request) << "\n";
    return 0;
  });
}

int command_convert(const ConvertRequest& request) {
  try {
    std::cout << convert_checkpoint(request);
    return 0;
  } catch (const std::exception& e) {
    return report_bad_input(e);
  }
}

std::string checkpoint_format_names() {
  std::vector<std::string> names;
  for (const auto& format : checkpoint_formats()) names.push_back(format.name);
  return join_names(names);
}

// A sweep's runs are checked (every one planned) before the first starts; loggers with a
// `group` option get the sweep's name as their group.
int check_and_run_sweep(const SweepFile& sweep, const std::vector<std::string>& overrides) {
  std::vector<std::string> extra = overrides;
  for (size_t i = 0; i < sweep.runs.size(); ++i) {
    auto loaded = load_experiment_plan(sweep.experiment, run_overrides(sweep, sweep.runs[i], overrides));
    if (i > 0) continue;
    for (const auto& logger : loaded->plan.loggers)
      for (const auto& option : logger.entry->info.options)
        if (option.name == "group") extra.push_back("log.loggers." + logger.name + ".group=" + sweep.name);
  }
  return run_sweep(sweep, extra);
}

template <class MakeSweep>
int command_sweep(MakeSweep&& make_sweep, const std::vector<std::string>& overrides) {
  try {
    return check_and_run_sweep(make_sweep(), overrides);
  } catch (const ConfigError& e) {
    return report_bad_input(e);
  } catch (const std::exception& e) {
    std::cerr << "error: " << error_text(e) << "\n";
    return kExitFailure;
  }
}

// `mmkd run EXP --multirun a=1,2`: the sweep <name>_multirun of the experiment's name.
SweepFile experiment_multirun(const std::string& path, const std::vector<std::string>& overrides,
                              const std::string& runs_dir) {
  const ConfigNode config = load_experiment(path, {});
  const ConfigNode* name = config.find("name");
  const std::string base = name && name->is_scalar() ? name->value() : std::filesystem::path(path).stem().string();
  return multirun_sweep(path, base + "_multirun", overrides, runs_dir);
}

// The command line of a launched rank: argv without the program name and `--nproc N`.
std::vector<std::string> arguments_without_nproc(int argc, char** argv) {
  std::vector<std::string> arguments;
  for (int i = 1; i < argc; ++i) {
    const std::string argument = argv[i];
    if (argument == "--nproc") ++i;
    else if (argument.rfind("--nproc=", 0) != 0) arguments.push_back(argument);
  }
  return arguments;
}

template <class F>
int with_plugins(F&& body) {
  try {
    Registry registry;
    load_all_plugins(registry);
    body(registry);
    return 0;
  } catch (const std::exception& e) {
    return report_bad_input(e);
  }
}

// `mmkd completion`: the script, or what it asks for (the components, an experiment's keys).
int command_completion(const CompletionRequest& request, const CLI::App& app) {
  if (request.components) return with_plugins([](const Registry& r) { std::cout << component_lines(r); });
  if (request.keys_of.empty()) {
    std::cout << completion_script(request.shell, app);
    return 0;
  }
  try {
    std::cout << override_key_lines(config_with_defaults(load_experiment_plan(request.keys_of, {})->plan));
    return 0;
  } catch (const std::exception& e) {
    return report_bad_input(e);
  }
}

}  // namespace

int cli_main(int argc, char** argv) {
  CLI::App app{"mmkd: multimodal knowledge distillation experiments from YAML graphs of plugins"};
  app.require_subcommand(1);
  app.set_version_flag("--version", MMKD_VERSION);
  app.footer([] { return external_tools_help(); });

  std::string experiment;
  std::vector<std::string> overrides;
  RunRequest request;
  auto* run = app.add_subcommand("run", "train an experiment");
  run->add_option("experiment", experiment, "experiment YAML file")->required();
  run->add_option("overrides", overrides, "key.path=value overrides");
  bool resume = false, auto_resume = false;
  auto* resume_flag =
      run->add_flag("--resume", resume, "continue the newest interrupted run (or --run-dir) from its last checkpoint");
  run->add_flag("--auto-resume", auto_resume,
                "like --resume when there is a checkpoint to continue, else start the run (a requeued job)")
      ->excludes(resume_flag);
  run->add_option("--run-dir", request.run_dir, "run folder (default: runs/<name>/<timestamp>)");
  bool smoke = false;
  run->add_flag("--smoke", smoke,
                "the experiment's `smoke:` settings (tiny sizes, synthetic data), random weights, 2 steps");
  int nproc = 1;
  auto* nproc_option = run->add_option("--nproc", nproc, "data-parallel ranks on this machine (one per GPU; Gloo ranks on CPU)")
                           ->check(CLI::PositiveNumber);
  bool multirun = false;
  run->add_flag("--multirun,-m", multirun,
                "run every combination of the overrides' comma-separated values (a=1,2 b=x,y) as the sweep "
                "<name>_multirun in runs/sweeps, as `mmkd sweep` does")
      ->excludes("--resume")
      ->excludes("--auto-resume")
      ->excludes("--run-dir")
      ->excludes("--smoke")
      ->excludes(nproc_option);

  auto* validate = app.add_subcommand("validate", "check an experiment without reading data or weights");
  validate->add_option("experiment", experiment, "experiment YAML file")->required();
  validate->add_option("overrides", overrides, "key.path=value overrides");
  bool shapes = false;
  validate->add_flag("--shapes", shapes,
                     "also run the first 2 training samples through the whole graph on CPU (reads data and weights) "
                     "to check tensor shapes");
  validate->add_flag("--smoke", smoke, "check the experiment with its `smoke:` settings applied");
  bool print = false;
  validate->add_flag("--print", print, "print the experiment as it will run, as YAML: extends merged, overrides and ${...} applied, every defaulted "
                     "option written in; the verdict as its last comment line");
  bool bench_settings = false;
  validate->add_flag("--bench", bench_settings, "check the experiment with its `bench:` settings applied");

  auto* list = app.add_subcommand("list", "list every loaded component by kind, with its library");

  std::string component;
  bool describe_all = false, describe_markdown = false;
  auto* describe = app.add_subcommand("describe", "print a component's inputs, outputs and options (--all: every component's)");
  auto* component_option = describe->add_option("component", component, "KIND/TYPE, e.g. loss/clip_contrastive");
  auto* describe_all_flag = describe->add_flag("--all", describe_all, "every component, by kind")->excludes(component_option);
  describe->add_flag("--markdown", describe_markdown, "with --all: as Markdown without library paths (docs/reference.md)")
      ->needs(describe_all_flag);
  describe->require_option(1, 2);

  std::string run_dir, export_dir;
  auto* export_command = app.add_subcommand("export", "write a run's trained encoders with Hugging Face / timm key names");
  export_command->add_option("run_dir", run_dir, "run folder (holds config.yaml and final.safetensors or checkpoints/)")
      ->required();
  export_command->add_option("--out", export_dir, "folder for <node>.safetensors (default: RUN_DIR/export)");

  std::string report_folder, report_out;
  auto* report = app.add_subcommand("report", "write a run's or a sweep's charts and tables as one HTML file");
  report->add_option("folder", report_folder, "run folder or sweep folder")->required();
  report->add_option("--out", report_out, "HTML file (default: FOLDER/report.html)");

  BenchRequest bench_request;
  auto* bench = app.add_subcommand("bench", "time an experiment's training step on its first batch, replayed");
  bench->add_option("experiment", experiment, "experiment YAML file")->required();
  bench->add_option("overrides", overrides, "key.path=value overrides");
  bench->add_option("--steps", bench_request.steps, "timed steps")->check(CLI::PositiveNumber);
  bench->add_option("--warmup", bench_request.warmup, "untimed steps first")->check(CLI::NonNegativeNumber);
  bool no_phases = false;
  bench->add_flag("--no-phases", no_phases, "do not time the phases (no synchronisation after each on CUDA)");
  bench->add_flag("--as-written", bench_request.as_written,
                  "the experiment's own data and weights, not its `bench:` section (synthetic data, random weights)");

  std::string sweep_file, sweep_runs_dir = "runs/sweeps";
  auto* sweep = app.add_subcommand("sweep", "run a grid or list of overrides of an experiment and compare them");
  sweep->add_option("sweep", sweep_file, "sweep YAML file")->required();
  sweep->add_option("overrides", overrides, "key.path=value overrides for every run");
  sweep->add_option("--runs-dir", sweep_runs_dir, "folder of sweep folders (default: runs/sweeps)");

  CacheTeacherRequest cache_request;
  auto* cache_teacher =
      app.add_subcommand("cache-teacher", "store the teachers' outputs for K augmentations of every training sample");
  cache_teacher->add_option("experiment", experiment, "experiment YAML file")->required();
  cache_teacher->add_option("overrides", overrides, "key.path=value overrides");
  cache_teacher->add_option("--views", cache_request.views, "augmentations per sample (K)")->check(CLI::PositiveNumber);
  cache_teacher->add_option("--out", cache_request.out, "cache file")->required();

  EvalRequest eval_request;
  auto* eval = app.add_subcommand("eval", "run an experiment's evaluators on trained weights");
  eval->add_option("experiment", experiment, "experiment YAML file")->required();
  eval->add_option("overrides", overrides, "key.path=value overrides");
  eval->add_option("--checkpoint", eval_request.checkpoint,
                   "run folder (best.safetensors, else final weights, else newest checkpoint), .safetensors or .pt file");
  eval->add_flag("--pretrained", eval_request.pretrained,
                 "instead of --checkpoint: the encoders as their own pretrained checkpoints give them, untrained here "
                 "(results in eval_pretrained/ unless --out)");
  eval->add_option("--out", eval_request.out_dir, "folder for results.json and results.md (default: RUN/eval_<weights>)");

  ProbeRequest probe_request;
  auto* probe = app.add_subcommand("probe", "run one component on tensors from a safetensors file");
  probe->add_option("component", probe_request.component, "KIND/TYPE, e.g. encoder/vit")->required();
  probe->add_option("--config", probe_request.config_yaml, "the component's options as YAML, e.g. '{dim: 8}'")
      ->default_val("{}");
  probe->add_option("--inputs", probe_request.inputs_path, "safetensors file with one tensor per input port")->required();
  probe->add_option("--out", probe_request.output_path, "safetensors file for outputs and input gradients")->required();
  probe->add_option("--seed", probe_request.seed, "seed of the component's randomly initialised parameters")
      ->default_val(0);

  ConvertRequest convert_request;
  auto* convert = app.add_subcommand(
      "convert", "write a PyTorch pickle checkpoint's state dict as safetensors, without running anything in the pickle");
  convert->add_option("input", convert_request.input, "checkpoint written by torch.save (.pt, .pth, .bin)")->required();
  convert->add_option("output", convert_request.output, ".safetensors file to write")->required();
  convert->add_option("--format", convert_request.format, "key names to write: " + checkpoint_format_names())
      ->required();
  convert->add_option("--key", convert_request.key,
                      "the entry holding the state dict, e.g. state_dict_ema (default: the top level when it holds "
                      "only tensors, else model, state_dict, module or model_state)");

  CompletionRequest completion_request;
  auto* completion = app.add_subcommand("completion", "print a shell completion script: source <(mmkd completion bash)");
  completion->add_option("shell", completion_request.shell, "bash or zsh")
      ->check(CLI::IsMember({"bash", "zsh"}))
      ->default_val("bash");
  completion->add_flag("--components", completion_request.components, "print every KIND/TYPE")->group("");
  completion->add_option("--keys", completion_request.keys_of, "print the config keys of an experiment")->group("");

  if (argc >= 2 && argv[1][0] != '-') {
    bool builtin = true;
    try {
      app.get_subcommand(argv[1]);
    } catch (const CLI::OptionNotFound&) {
      builtin = false;
    }
    if (!builtin)
      if (auto tool = external_command(argv[1])) return exec_external_command(*tool, {argv + 2, argv + argc});
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kExitBadInput;
  }

  if (*run) {
    request.resume = resume ? Resume::required : auto_resume ? Resume::if_any : Resume::no;
    const std::optional<DistributedEnv> launched = distributed_env_from_environment();
    if (launched && nproc > 1) {
      std::cerr << fmt::format("mmkd run: --nproc {}: this process is already rank {} of {}, started by {}; drop --nproc\n",
                               nproc, launched->rank, launched->world_size, launched->launcher);
      return kExitBadInput;
    }
    if (nproc > 1) return launch_local_ranks(nproc, arguments_without_nproc(argc, argv), std::chrono::seconds(10));
    if (const std::optional<int> tasks = slurm_tasks_without_srun())
      std::cerr << fmt::format("note: SLURM_NTASKS={} but srun did not start this process: training on one process "
                               "(`srun mmkd run ...` starts {} ranks, `--nproc N` N ranks on this node)\n",
                               *tasks, *tasks);
  }
  const ExperimentVariant variant =
      smoke ? ExperimentVariant::smoke : bench_settings ? ExperimentVariant::bench : ExperimentVariant::as_written;
  if (*run && multirun)
    return command_sweep([&] { return experiment_multirun(experiment, overrides, sweep_runs_dir); }, {});
  if (*run) return command_run(experiment, overrides, request, variant);
  if (*validate) return command_validate(experiment, overrides, shapes, print, variant);
  if (*eval) return command_eval(experiment, overrides, eval_request);
  bench_request.phases = !no_phases;
  if (*bench) return command_bench(experiment, overrides, bench_request);
  if (*cache_teacher) return command_cache_teacher(experiment, overrides, cache_request);
  if (*sweep) return command_sweep([&] { return read_sweep_file(sweep_file, sweep_runs_dir); }, overrides);
  if (*export_command) return command_export(run_dir, export_dir);
  if (*report) return report_command(report_folder, report_out);
  if (*convert) return command_convert(convert_request);
  if (*list) return with_plugins([](const Registry& r) { std::cout << list_components(r); });
  if (*describe)
    return with_plugins([&](const Registry& r) {
      std::cout << (describe_markdown ? components_reference_markdown(r)
                    : describe_all    ? describe_all_components(r)
                                      : describe_component(r, component));
    });
  if (*completion) return command_completion(completion_request, app);
  if (*probe)
    return with_plugins([&](const Registry& r) {
      for (const auto& warning : run_probe(r, probe_request)) std::cerr << "warning: " << warning << "\n";
      std::cout << "wrote " << probe_request.output_path << "\n";
    });
  return kExitBadInput;
}

}  // namespace mmkd
