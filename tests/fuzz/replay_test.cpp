// Every committed input of every fuzz harness (tests/fuzz/corpus/NAME: the seed corpus;
// tests/fuzz/crashes/NAME: what fuzzing found, kept after the fix) runs through the harness
// again: no crash and no exception but mmkd's input errors.
#include "fuzz_target.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace {

namespace fs = std::filesystem;

void replay(const std::string& name) {
  const mmkd::fuzz::Target target = mmkd::fuzz::find_target(name);
  ASSERT_NE(target, nullptr) << "no fuzz harness named " << name;
  std::vector<fs::path> inputs;
  for (const char* folder : {"corpus", "crashes"}) {
    const fs::path dir = fs::path(MMKD_FUZZ_INPUTS) / folder / name;
    if (!fs::is_directory(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir)) inputs.push_back(entry.path());
  }
  std::sort(inputs.begin(), inputs.end());
  ASSERT_FALSE(inputs.empty()) << "no seed corpus under " << MMKD_FUZZ_INPUTS << "/corpus/" << name;
  for (const auto& input : inputs) {
    std::ifstream in(input, std::ios::binary);
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    try {
      target(bytes.data(), bytes.size());
    } catch (const std::exception& e) {
      ADD_FAILURE() << input.string() << ": " << e.what();
    }
  }
}

TEST(FuzzCorpus, Safetensors) { replay("safetensors"); }
TEST(FuzzCorpus, ExperimentYaml) { replay("experiment_yaml"); }
TEST(FuzzCorpus, ImageDecode) { replay("image_decode"); }
TEST(FuzzCorpus, TarIndex) { replay("tar_index"); }
TEST(FuzzCorpus, PairIndex) { replay("pair_index"); }
TEST(FuzzCorpus, GlueTsv) { replay("glue_tsv"); }
TEST(FuzzCorpus, Wordpiece) { replay("wordpiece"); }
TEST(FuzzCorpus, WandbResponse) { replay("wandb_response"); }

}  // namespace
