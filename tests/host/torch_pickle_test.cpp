#include "expect_error.hpp"
#include "io/torch_checkpoint.hpp"
#include "python_tools.hpp"
#include "test_pickles.hpp"

#include <mmkd/safetensors.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

namespace fs = std::filesystem;
using mmkd::pickle::ValueKind;
using mmkd::testing::TestPickles;

namespace {

const char* const kContainers[] = {"zip", "legacy"};

mmkd::TensorMap tensors_in(const mmkd::pickle::Value& dict) {
  mmkd::TensorMap tensors;
  for (const auto& [key, value] : dict.entries)
    if (value->kind == ValueKind::tensor) tensors[key->text] = value->tensor->tensor;
  return tensors;
}

// torch.save's files for each dtype, a fairseq-like checkpoint, pickles that would run commands
// and a storage too short for its tensor; written once by tools/make_test_pickles.py.
class TorchPickle : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!mmkd::testing::python().empty()) pickles = std::make_unique<TestPickles>("dtypes fairseq evil short_storage");
  }
  static void TearDownTestSuite() { pickles.reset(); }
  void SetUp() override { MMKD_REQUIRE_PYTHON(); }

  static std::string file(const std::string& name) { return pickles->file(name); }

  static void expect_dtypes_read_exactly(const std::string& path) {
    const mmkd::TorchCheckpoint checkpoint = mmkd::read_torch_checkpoint(path);
    const mmkd::TensorMap tensors = tensors_in(*checkpoint.root);
    mmkd::testing::expect_same_tensors(mmkd::read_safetensors(file("dtypes.safetensors")), tensors, path);
    const torch::Tensor& view = tensors.at("view_with_offset");  // base[1:, 1::2] of a [4, 6] tensor
    EXPECT_EQ(view.storage_offset(), 7);
    EXPECT_EQ(view.strides(), (std::vector<int64_t>{6, 2}));
    EXPECT_EQ(tensors.at("transposed").strides(), (std::vector<int64_t>{1, 6}));
    EXPECT_EQ(view.data_ptr<float>() - 7, tensors.at("float32").data_ptr<float>());  // one storage
    EXPECT_EQ(tensors.at("shares_storage_with_int32").data_ptr<int32_t>() - 3, tensors.at("int32").data_ptr<int32_t>());
  }

  inline static std::unique_ptr<TestPickles> pickles;
};

TEST_F(TorchPickle, ReadsEveryDtypeViewAndSharedStorageOfBothFormats) {
  EXPECT_EQ(mmkd::read_torch_checkpoint(file("dtypes.zip.pt")).serialization, "torch.save zip");
  EXPECT_EQ(mmkd::read_torch_checkpoint(file("dtypes.legacy.pt")).serialization, "legacy torch.save (torch < 1.6)");
  for (const char* container : kContainers) expect_dtypes_read_exactly(file(std::string("dtypes.") + container + ".pt"));
}

// Debian's python3-torch (1.13), where installed, writes the same tensors.
TEST_F(TorchPickle, ReadsWhatTorch113Writes) {
  if (mmkd::testing::run_command("/usr/bin/python3 -c 'import torch' 2>&1").exit_code != 0)
    GTEST_SKIP() << "/usr/bin/python3 has no torch (Debian: apt install python3-torch)";
  mmkd::testing::TempDir dir;
  auto written = mmkd::testing::run_command("cd '" + mmkd::testing::source_dir() +
                                            "' && /usr/bin/python3 tools/make_test_pickles.py --only dtypes "
                                            "--pickles-only --out '" + dir.path() + "'");
  ASSERT_EQ(written.exit_code, 0) << written.output;
  ASSERT_NE(written.output.find("torch 1."), std::string::npos) << written.output;
  for (const char* container : kContainers) expect_dtypes_read_exactly(dir.file(std::string("dtypes.") + container + ".pt"));
}

TEST_F(TorchPickle, KeepsConfigurationObjectsAsInertPlaceholders) {
  for (const char* container : kContainers) {
    const std::string path = file(std::string("fairseq.") + container + ".pt");
    const mmkd::pickle::ValuePtr root = mmkd::read_torch_checkpoint(path).root;
    mmkd::testing::expect_same_tensors(mmkd::read_safetensors(file("fairseq.safetensors")),
                                       tensors_in(*root->find("model")), path);
    const auto args = root->find("args");
    EXPECT_EQ(args->text, "argparse.Namespace");
    EXPECT_EQ(args->state->find("arch")->text, "data2vec_multi");
    const auto cfg = root->find("cfg");
    ASSERT_EQ(cfg->kind, ValueKind::object);
    EXPECT_EQ(cfg->text, "fairseq.dataclass.configs.FairseqConfig");
    const auto model_config = cfg->state->find("model");
    EXPECT_EQ(model_config->text, "omegaconf.dictconfig.DictConfig");
    EXPECT_EQ(model_config->state->find("_content")->find("depth")->state->find("_val")->integer, 2);
    EXPECT_EQ(cfg->state->find("mode")->text, "fairseq.dataclass.constants.ChoiceEnum");
    EXPECT_EQ(cfg->state->find("mode")->items[0]->text, "hard");
    EXPECT_EQ(cfg->state->find("tags")->text, "builtins.set");
    EXPECT_EQ(cfg->state->find("dtype")->text, "torch.float16");
    EXPECT_EQ(cfg->state->find("shape")->text, "torch.Size");
    const auto extra = root->find("extra_state");
    EXPECT_EQ(extra->find("count")->text.rfind("numpy.", 0), 0u) << extra->find("count")->text;
    EXPECT_EQ(extra->find("mean")->kind, ValueKind::object);
    EXPECT_EQ(extra->find("big")->kind, ValueKind::big_integer);
    EXPECT_EQ(extra->find("negative")->integer, -(int64_t(1) << 40));
    EXPECT_EQ(extra->find("previous_training_time")->floating, 1234.5);
    EXPECT_EQ(extra->find("nested")->items[1]->items[0]->boolean, true);
    EXPECT_EQ(extra->find("none")->kind, ValueKind::none);
    EXPECT_EQ(root->find("optimizer_history")->items[0]->find("num_updates")->integer, 400000);
  }
}

TEST_F(TorchPickle, RefusesPicklesThatWouldRunCommands) {
  const std::map<std::string, std::string> calls = {
      {"system", "posix.system"}, {"eval", "builtins.eval"}, {"popen", "subprocess.Popen"}};
  for (const auto& [name, call] : calls)
    for (const char* container : kContainers) {
      const std::string path = file("evil_" + name + "." + container + ".pt");
      mmkd::testing::expect_error_naming([&] { mmkd::read_torch_checkpoint(path); },
                                         {path + ": refused to load: the pickle calls " + call +
                                              ", which is neither a tensor, a container nor a known configuration "
                                              "class; nothing in it was run"});
      EXPECT_FALSE(fs::exists(file("MARKER_" + name))) << path;
    }
}

TEST_F(TorchPickle, TruncatedOrCorruptFilesNameTheFileAndWhatIsWrong) {
  mmkd::testing::TempDir dir;
  auto cut = [&](const std::string& name, size_t keep) {
    const std::string bytes = mmkd::testing::read_file(file(name));
    mmkd::testing::write_file(dir.file(name), bytes.substr(0, std::min(keep, bytes.size())));
    return dir.file(name);
  };
  auto expect_failure = [](const std::string& path, const std::string& what) {
    mmkd::testing::expect_error_naming([&] { mmkd::read_torch_checkpoint(path); }, {path, what});
  };
  const size_t zip_size = fs::file_size(file("dtypes.zip.pt")), legacy_size = fs::file_size(file("dtypes.legacy.pt"));
  expect_failure(cut("dtypes.zip.pt", zip_size / 2), "not a valid zip archive (truncated or corrupt?)");
  expect_failure(cut("dtypes.zip.pt", zip_size - 30), "not a valid zip archive (truncated or corrupt?)");
  expect_failure(cut("dtypes.legacy.pt", legacy_size / 2), "truncated");
  expect_failure(cut("dtypes.legacy.pt", legacy_size - 3), "truncated");
  expect_failure(cut("dtypes.legacy.pt", 0), "is neither a torch.save zip archive nor a legacy PyTorch checkpoint");
  expect_failure(file("short_storage.legacy.pt"), "a tensor reaches element 3 of storage");
  expect_failure(dir.file("missing.pt"), "cannot open");
  mmkd::testing::write_file(dir.file("plain.pkl"), "\x80\x02K\x01.");
  expect_failure(dir.file("plain.pkl"), "is a pickle but not a PyTorch checkpoint");
}

}  // namespace
