#include "tiny_experiment.hpp"

#include <mmkd/safetensors.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/types.h>

#include <csignal>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace mmkd::testing;

namespace {

// The tiny experiment plus a loss that sleeps 40 ms per step, so a run can be stopped mid-way.
std::string slow_experiment(const std::string& runs) {
  std::string yaml = tiny_experiment_yaml(runs);
  yaml.replace(yaml.find("optimizer:"), 0,
               "  slow: {type: test_sleep, weight: 0.0, milliseconds: 40, inputs: {x: image.embedding}}\n");
  return "plugins: [" + test_plugin_dir() + "/mmkd_test_sleep_loss.so]\n" + yaml;
}

// Starts a run, waits for its checkpoint of step 4, sends `signal_name`, and returns the exit code.
int interrupt_run(const std::string& dir, const std::string& run_dir, const std::string& signal_name,
                  const std::string& flags = "") {
  const std::string script = "cd '" + dir + "' && ('" + mmkd_executable() + "' run exp.yaml " + flags + " --run-dir " + run_dir +
                             " > " + run_dir + ".log 2>&1 & pid=$!; for i in $(seq 1 3000); do [ -e " + run_dir +
                             "/checkpoints/step_00000004.pt ] && break; sleep 0.01; done; kill -" + signal_name +
                             " $pid; wait $pid; echo exit=$?)";
  auto r = run_command(script);
  auto pos = r.output.find("exit=");
  return pos == std::string::npos ? -1 : std::stoi(r.output.substr(pos + 5));
}

std::string run_state(const std::string& run_dir) {
  return nlohmann::json::parse(read_file(run_dir + "/status.json")).value("state", "");
}

void expect_same_parameters(const std::string& a, const std::string& b) {
  auto left = mmkd::read_safetensors(a), right = mmkd::read_safetensors(b);
  ASSERT_EQ(left.size(), right.size());
  ASSERT_GT(left.size(), 10u);
  for (const auto& [name, tensor] : left) {
    ASSERT_TRUE(right.count(name)) << name;
    EXPECT_TRUE(torch::equal(tensor, right.at(name))) << name << " differs";
  }
}

std::vector<int64_t> logged_steps(const std::string& run_dir) {
  std::vector<int64_t> steps;
  std::stringstream lines(read_file(run_dir + "/metrics.jsonl"));
  std::string line;
  while (std::getline(lines, line)) {
    auto record = nlohmann::json::parse(line);
    if (record.contains("loss")) steps.push_back(record["step"].get<int64_t>());
  }
  return steps;
}

struct Resume : ::testing::Test {
  TempDir dir;
  void SetUp() override {
    write_file(dir.file("exp.yaml"), slow_experiment(dir.file("runs")));
    auto full = mmkd_in(dir.path(), "run exp.yaml --run-dir full");
    ASSERT_EQ(full.exit_code, 0) << full.output;
    ASSERT_EQ(run_state(dir.file("full")), "finished");
  }
};

TEST_F(Resume, KilledRunResumesToExactlyTheUninterruptedParameters) {
  EXPECT_EQ(interrupt_run(dir.path(), "killed", "KILL"), 137);
  EXPECT_EQ(run_state(dir.file("killed")), "running") << "the run was killed after it finished: too fast to test";
  EXPECT_FALSE(fs::exists(dir.file("killed/final.safetensors")));
  for (const auto& entry : fs::directory_iterator(dir.file("killed/checkpoints")))
    EXPECT_EQ(entry.path().string().find(".tmp"), std::string::npos) << "left a temporary file " << entry.path();

  auto resumed = mmkd_in(dir.path(), "run exp.yaml --run-dir killed --resume");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resuming"), std::string::npos) << resumed.output;
  expect_same_parameters(dir.file("full/final.safetensors"), dir.file("killed/final.safetensors"));
  EXPECT_EQ(logged_steps(dir.file("killed")), logged_steps(dir.file("full")));
}

TEST_F(Resume, InterruptWritesACheckpointAndResumesExactly) {
  EXPECT_EQ(interrupt_run(dir.path(), "stopped", "INT"), 130);
  EXPECT_EQ(run_state(dir.file("stopped")), "interrupted");
  EXPECT_NE(read_file(dir.file("stopped.log")).find("continue with --resume"), std::string::npos);

  auto resumed = mmkd_in(dir.path(), "run exp.yaml --run-dir stopped --resume");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  expect_same_parameters(dir.file("full/final.safetensors"), dir.file("stopped/final.safetensors"));
  EXPECT_EQ(run_state(dir.file("stopped")), "finished");
}

// Slurm's SIGUSR1 before the time limit (sbatch --signal=USR1@90): a checkpoint, exit 128 + 10,
// and a run that the requeued job's same command line (--auto-resume) continues exactly.
TEST_F(Resume, SlurmsWarningSignalCheckpointsForARequeue) {
  EXPECT_EQ(interrupt_run(dir.path(), "requeued", "USR1", "--auto-resume"), 128 + SIGUSR1);
  EXPECT_EQ(run_state(dir.file("requeued")), "interrupted");
  auto resumed = mmkd_in(dir.path(), "run exp.yaml --run-dir requeued --auto-resume");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  expect_same_parameters(dir.file("full/final.safetensors"), dir.file("requeued/final.safetensors"));
}

TEST_F(Resume, KeepsOnlyTheNewestCheckpointsAndTheResolvedConfig) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir.file("full/checkpoints"))) names.insert(entry.path().filename());
  EXPECT_EQ(names, (std::set<std::string>{"step_00000022.pt", "step_00000024.pt"}));
  const std::string config = read_file(dir.file("full/config.yaml"));
  EXPECT_NE(config.find("batch_size: 8"), std::string::npos) << config;
  EXPECT_EQ(config.find("${"), std::string::npos);
}

TEST_F(Resume, RefusesToStartOverARunFolderWithCheckpoints) {
  auto again = mmkd_in(dir.path(), "run exp.yaml --run-dir full");
  EXPECT_EQ(again.exit_code, 2) << again.output;
  EXPECT_NE(again.output.find("already holds checkpoints"), std::string::npos) << again.output;
}

// Per logged step, every loss value of the step ("loss", "<loss>.loss", metrics).
std::map<int64_t, std::map<std::string, double>> logged_losses(const std::string& run_dir) {
  std::map<int64_t, std::map<std::string, double>> losses;
  std::stringstream lines(read_file(run_dir + "/metrics.jsonl"));
  std::string line;
  while (std::getline(lines, line)) {
    auto record = nlohmann::json::parse(line);
    if (!record.contains("loss")) continue;
    for (const auto& [key, value] : record.items())
      if (key == "loss" || key.rfind("itc.", 0) == 0) losses[record["step"].get<int64_t>()][key] = value.get<double>();
  }
  return losses;
}

TEST(ResumeState, MemoryBankAndMomentumCopiesResumeToTheSameLosses) {
  TempDir dir;
  std::string yaml = slow_experiment(dir.file("runs"));
  yaml.replace(yaml.find("losses:"), 0, "momentum: {decay: 0.9}\n");
  yaml.replace(yaml.find("optimizer:"), 0,
               "  itc:\n    type: memory_bank_itc\n    queue_size: 20\n    dim: 16\n"
               "    inputs: {image: image.embedding, text: text.embedding, image_momentum: image_momentum.embedding,"
               " text_momentum: text_momentum.embedding}\n");
  write_file(dir.file("exp.yaml"), yaml);
  auto full = mmkd_in(dir.path(), "run exp.yaml --run-dir full");
  ASSERT_EQ(full.exit_code, 0) << full.output;
  EXPECT_EQ(interrupt_run(dir.path(), "killed", "KILL"), 137);
  auto resumed = mmkd_in(dir.path(), "run exp.yaml --run-dir killed --resume");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;

  auto expected = logged_losses(dir.file("full")), actual = logged_losses(dir.file("killed"));
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(expected.rbegin()->second.at("itc.queue_fill"), 20.0) << "the queue should have wrapped";
  EXPECT_EQ(actual, expected);
  auto weights = mmkd::read_safetensors(dir.file("killed/final.safetensors"));
  EXPECT_EQ(weights.count("losses.itc.image_queue.rows") + weights.count("momentum.image.patch_embed.proj.weight"), 2u);
  expect_same_parameters(dir.file("full/final.safetensors"), dir.file("killed/final.safetensors"));
}

TEST(Divergence, NanLossStopsWithAClearMessageAndKeepsTheLastGoodCheckpoint) {
  TempDir dir;
  std::string yaml = tiny_experiment_yaml(dir.file("runs"));
  yaml.replace(yaml.find("optimizer:"), 0, "  nan: {type: test_nan_after, nan_after: 5, inputs: {x: image.embedding}}\n");
  write_file(dir.file("exp.yaml"), "plugins: [" + test_plugin_dir() + "/mmkd_test_nan_loss.so]\n" + yaml);
  auto r = mmkd_in(dir.path(), "run exp.yaml --run-dir diverged");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("NaN or Inf at step 6"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("step_00000004.pt"), std::string::npos) << r.output;
  EXPECT_TRUE(fs::exists(dir.file("diverged/checkpoints/step_00000004.pt")));
  EXPECT_EQ(run_state(dir.file("diverged")), "failed");
  EXPECT_NE(read_file(dir.file("diverged/report.html")).find("state-failed"), std::string::npos);  // the curves before it
}

TEST(Divergence, AnErrorCausedByNanWeightsIsReportedAsTheDivergenceBeforeIt) {
  TempDir dir;
  std::string yaml = tiny_experiment_yaml(dir.file("runs"));
  yaml.replace(yaml.find("optimizer:"), 0,
               "  nan: {type: test_nan_after, nan_after: 5, inputs: {x: image.embedding}}\n"
               "  finite: {type: test_finite_input, inputs: {x: image.embedding}}\n");
  write_file(dir.file("exp.yaml"), "plugins: [" + test_plugin_dir() + "/mmkd_test_nan_loss.so]\n" + yaml);
  // No check between step 6 (NaN loss, NaN weights after its update) and step 7 (the error).
  auto r = mmkd_in(dir.path(), "run exp.yaml --run-dir diverged trainer.checkpoint_every=0 trainer.log_every=100");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("NaN or Inf at step 6"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("test_finite_input"), std::string::npos) << r.output;
  EXPECT_EQ(run_state(dir.file("diverged")), "failed");
}

// A component error ends the run with status `failed` and the error as its detail, not `running`.
TEST(RunStatus, AnErrorInAStepLeavesAFailedStatusNamingIt) {
  TempDir dir;
  write_file(dir.file("exp.yaml"), tiny_experiment_yaml(dir.file("runs")));
  auto r = mmkd_in(dir.path(), "run exp.yaml --run-dir broken model.text.embed_dim=8");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  const auto status = nlohmann::json::parse(read_file(dir.file("broken/status.json")));
  EXPECT_EQ(status.value("state", ""), "failed") << status.dump();
  EXPECT_NE(status.value("detail", "").find("losses.clip (loss clip_contrastive"), std::string::npos) << status.dump();
}

// A run holds its folder (RUN/.lock): a second run or resume there is refused while it lives,
// and writes nothing.
// A data file that cannot be read mid-run (here with `on_bad_image: fail`) is bad input: exit 2,
// as for a bad config or index, with status `failed` naming the file.
TEST(RunStatus, ADataErrorInAStepExitsTwoNamingTheFile) {
  TempDir dir;
  fs::create_directories(dir.file("images/a"));
  fs::create_directories(dir.file("images/b"));
  write_file(dir.file("images/a/1.jpg"), "not an image");
  write_file(dir.file("images/b/2.jpg"), "not an image either");
  write_file(dir.file("exp.yaml"), R"(name: bad_data
data:
  train: {type: image_folder, root: images, image_size: 8, on_bad_image: fail}
model:
  image: {type: vit, inputs: {image: batch.image}, image_size: 8, patch_size: 4, dim: 16, depth: 1, heads: 2}
  head: {type: classifier, inputs: {tokens: image.tokens}, num_classes: 2, dim: 16}
losses:
  ce: {type: cross_entropy, inputs: {logits: head.logits}}
trainer: {max_steps: 1, batch_size: 2, threads: 1}
log: {runs_dir: runs}
)");
  auto r = mmkd_in(dir.path(), "run exp.yaml --run-dir bad");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("error: cannot decode " + dir.file("images/")), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("not a JPEG or PNG image"), std::string::npos) << r.output;
  const auto status = nlohmann::json::parse(read_file(dir.file("bad/status.json")));
  EXPECT_EQ(status.value("state", ""), "failed") << status.dump();
  EXPECT_NE(status.value("detail", "").find("cannot decode"), std::string::npos) << status.dump();
  EXPECT_NE(read_file(dir.file("bad/report.html")).find("state-failed"), std::string::npos);
}

TEST(RunStatus, ASecondRunInAFolderInUseIsRefused) {
  TempDir dir;
  write_file(dir.file("exp.yaml"), tiny_experiment_yaml(dir.file("runs")));
  fs::create_directories(dir.file("busy"));
  const int held = ::open(dir.file("busy/.lock").c_str(), O_RDWR | O_CREAT, 0644);
  ASSERT_GE(held, 0);
  ASSERT_EQ(::flock(held, LOCK_EX), 0);
  ASSERT_EQ(::pwrite(held, "4242", 4, 0), 4);
  auto refused = mmkd_in(dir.path(), "run exp.yaml --run-dir busy trainer.max_steps=2");
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("busy is in use by another mmkd run (process 4242)"), std::string::npos)
      << refused.output;
  EXPECT_FALSE(fs::exists(dir.file("busy/metrics.jsonl")));
  ::close(held);
  auto ran = mmkd_in(dir.path(), "run exp.yaml --run-dir busy trainer.max_steps=2");
  EXPECT_EQ(ran.exit_code, 0) << ran.output;
  EXPECT_GT(std::stoll(read_file(dir.file("busy/.lock"))), 0);  // the run's process id
}

// --resume skips a newest checkpoint that cannot be read, says so, and continues from the newest
// readable one.
TEST(RunStatus, ResumeSkipsAnUnreadableNewestCheckpoint) {
  TempDir dir;
  write_file(dir.file("exp.yaml"), tiny_experiment_yaml(dir.file("runs")));
  auto first = mmkd_in(dir.path(), "run exp.yaml --run-dir r trainer.max_steps=4");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  ASSERT_TRUE(fs::exists(dir.file("r/checkpoints/step_00000004.pt")));
  write_file(dir.file("r/checkpoints/step_00000004.pt"), "not a checkpoint");
  auto resumed = mmkd_in(dir.path(), "run exp.yaml --resume --run-dir r trainer.max_steps=6");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("skipping a newer checkpoint: checkpoint r/checkpoints/step_00000004.pt cannot be read"),
            std::string::npos)
      << resumed.output;
  EXPECT_NE(resumed.output.find("step_00000002.pt (step 2)"), std::string::npos) << resumed.output;
  EXPECT_EQ(run_state(dir.file("r")), "finished");
}

}  // namespace
