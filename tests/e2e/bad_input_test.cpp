#include "tiny_experiment.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace fs = std::filesystem;
using namespace mmkd::testing;

namespace {

struct BadInput : ::testing::Test {
  TempDir dir;
  std::string runs() const { return dir.file("runs"); }
  void write(const std::string& name, const std::string& text) const { write_file(dir.file(name), text); }
  void expect_nothing_written() const { EXPECT_FALSE(fs::exists(runs())) << "a rejected run wrote " << runs(); }
};

TEST_F(BadInput, MalformedYamlNamesFileAndLine) {
  write("exp.yaml", "name: x\nmodel:\n  image: {type: vit\n  text: 3\n");
  auto r = mmkd_in(dir.path(), "run exp.yaml");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("exp.yaml:"), std::string::npos) << r.output;
  expect_nothing_written();
}

TEST_F(BadInput, MissingFileIsReported) {
  auto r = mmkd_in(dir.path(), "run missing.yaml");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("missing.yaml"), std::string::npos) << r.output;
  expect_nothing_written();
}

TEST_F(BadInput, EveryProblemListedAtOnceWithLines) {
  std::string yaml = tiny_experiment_yaml(runs());
  yaml.replace(yaml.find("type: clip_contrastive"), 22, "type: clip_contrastiv");
  yaml.replace(yaml.find("heads: 2\n    dropout"), 8, "haeds: 2");
  yaml.replace(yaml.find("ids: batch.text_ids"), 19, "ids: batch.txt_ids");
  yaml.replace(yaml.find("batch_size: 8"), 13, "batch_size: eight");
  write("exp.yaml", yaml);
  auto r = mmkd_in(dir.path(), "validate exp.yaml");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("unknown loss type `clip_contrastiv` (did you mean `clip_contrastive`?)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("unknown option `haeds` (did you mean `heads`?)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("model.text.inputs.ids: tensor `batch.txt_ids` is not written before this node (did you mean `batch.text_ids`?)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("trainer.batch_size"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("exp.yaml:14:"), std::string::npos) << "line of the misspelled option\n" << r.output;
  EXPECT_NE(r.output.find("4 errors"), std::string::npos) << r.output;
}

TEST_F(BadInput, ValidateShapesRunsTwoSamplesAndNamesTheMismatch) {
  write("exp.yaml", tiny_experiment_yaml(runs()));
  auto ok = mmkd_in(dir.path(), "validate exp.yaml --shapes");
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NE(ok.output.find("  image.embedding [2, 16] Float"), std::string::npos) << ok.output;
  EXPECT_NE(ok.output.find("  clip.loss = "), std::string::npos) << ok.output;

  std::string yaml = tiny_experiment_yaml(runs());
  yaml.replace(yaml.rfind("embed_dim: 16"), 13, "embed_dim: 12");
  write("exp.yaml", yaml);
  auto static_only = mmkd_in(dir.path(), "validate exp.yaml");
  EXPECT_EQ(static_only.exit_code, 0) << static_only.output;
  auto r = mmkd_in(dir.path(), "validate exp.yaml --shapes");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("computing losses.clip (loss clip_contrastive, exp.yaml:26:3)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("inputs: image = image.embedding [2, 16] Float, text = text.embedding [2, 12] Float"),
            std::string::npos) << r.output;
  expect_nothing_written();
}

TEST_F(BadInput, RunRefusesBeforeWritingAnything) {
  std::string yaml = tiny_experiment_yaml(runs());
  yaml.replace(yaml.find("text: text.embedding}\noptimizer"), 20, "text: text.embeding");
  write("exp.yaml", yaml);
  auto r = mmkd_in(dir.path(), "run exp.yaml");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("losses.clip.inputs.text: tensor `text.embeding`"), std::string::npos) << r.output;
  expect_nothing_written();
}

TEST_F(BadInput, InputWrittenByALaterNodeSaysWhichNode) {
  std::string yaml = tiny_experiment_yaml(runs());
  yaml.replace(yaml.find("image: batch.image}"), 19, "image: text.tokens}");
  write("exp.yaml", yaml);
  auto r = mmkd_in(dir.path(), "validate exp.yaml");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("it is written by `model.text`, which runs later"), std::string::npos) << r.output;
}

TEST_F(BadInput, OverrideErrorsPointAtTheCommandLine) {
  write("exp.yaml", tiny_experiment_yaml(runs()));
  auto r = mmkd_in(dir.path(), "validate exp.yaml trainer.epoch=3");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("<command line>"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("did you mean `epochs`?"), std::string::npos) << r.output;
}

TEST_F(BadInput, ValidExperimentValidates) {
  write("exp.yaml", tiny_experiment_yaml(runs()));
  auto r = mmkd_in(dir.path(), "validate exp.yaml trainer.batch_size=4");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("exp.yaml: valid (0 teachers, 2 model nodes, 1 loss, 1 evaluator)"), std::string::npos)
      << r.output;
  expect_nothing_written();
}

// A loss that breaks the contract is reported at its node with file and line, without libtorch's
// C++ backtrace (MMKD_BACKTRACE=1 shows it), by `mmkd run` and by `mmkd validate --shapes` alike.
TEST_F(BadInput, LossContractBreachesNameTheNodeWithoutABacktrace) {
  const std::string plugin = "plugins: [" + test_plugin_dir() + "/mmkd_test_misbehaving_loss.so]\n";
  const std::string tiny = tiny_experiment_yaml(runs());
  const std::string clip = "  clip:\n    type: clip_contrastive\n    inputs: {image: image.embedding, text: text.embedding}\n";
  const std::vector<std::pair<std::string, std::string>> breaches = {
      {"test_torch_check", "wants 5 dimensions, got 2"},
      {"test_detached", "reaches no trained parameter"},
      {"test_vector_metric", "metric `spread` is not a scalar tensor (shape [3])"},
      {"test_metric_names", "metric `written_metric` is not declared (declared: `declared_metric`, `sometimes`"},
      {"test_metric_names, writes: ''", "the declared metric `declared_metric` is missing"}};
  for (size_t i = 0; i < breaches.size(); ++i) {
    const auto& [type, message] = breaches[i];
    std::string yaml = tiny;
    yaml.replace(yaml.find(clip), clip.size(), "  bad: {type: " + type + ", inputs: {x: image.embedding}}\n");
    write("exp.yaml", plugin + yaml);
    const std::string type_name = type.substr(0, type.find(','));
    for (const std::string command : {"run exp.yaml --run-dir run" + std::to_string(i) + " trainer.max_steps=1", std::string("validate --shapes exp.yaml")}) {
      auto r = mmkd_in(dir.path(), command);
      EXPECT_EQ(r.exit_code, command.rfind("run", 0) == 0 ? 1 : 2) << command << "\n" << r.output;
      EXPECT_NE(r.output.find(message), std::string::npos) << command << "\n" << r.output;
      EXPECT_NE(r.output.find("losses.bad (loss " + type_name + ", exp.yaml:"), std::string::npos) << r.output;
      EXPECT_EQ(r.output.find("Exception raised from"), std::string::npos) << r.output;
      EXPECT_EQ(r.output.find("frame #"), std::string::npos) << r.output;
    }
  }
}

}  // namespace
