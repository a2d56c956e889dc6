#include "python_tools.hpp"
#include "tiny_experiment.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

namespace fs = std::filesystem;
using namespace mmkd::testing;

namespace {

// experiments/pretrained/minilm_image_text.yaml trains from the real all-MiniLM-L6-v2 weights and
// vocabulary that scripts/python-env links into its venv, so every CI run loads a real checkpoint.
TEST(PretrainedText, MiniLmImageTextExperimentTrainsFromTheRealCheckpoint) {
  MMKD_REQUIRE_PYTHON();
  const fs::path minilm = fs::path(python()).parent_path().parent_path() / "models/all-MiniLM-L6-v2";
  ASSERT_TRUE(fs::exists(minilm / "model.safetensors")) << minilm << ": run scripts/python-env";
  TempDir dir;
  auto r = run_command("cd '" + dir.path() + "' && MMKD_MINILM_DIR='" + minilm.string() + "' '" + mmkd_executable() +
                       "' run '" + source_dir() + "/experiments/pretrained/minilm_image_text.yaml' --run-dir run " +
                       "trainer.max_steps=4 data.eval.size=32 eval.every_epochs=0");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("model.text: loaded 77 tensors from " + (minilm / "model.safetensors").string()),
            std::string::npos)
      << r.output;
  EXPECT_EQ(r.output.find("WARNING"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("finished 4 steps"), std::string::npos) << r.output;
  auto validation = last_record_with(dir.file("run"), "eval.retrieval.i2t_r1");
  EXPECT_FALSE(validation.is_null()) << read_file(dir.file("run/metrics.jsonl"));
}

}  // namespace
