#include "expect_contains.hpp"
#include "python_tools.hpp"
#include "test_pickles.hpp"
#include "tiny_experiment.hpp"

#include <gtest/gtest.h>

#include <memory>

using namespace mmkd::testing;

namespace {

// The thesis' pickled artifacts in their projects' layouts (tiny, random weights), converted by
// `mmkd convert` and loaded strictly by the thesis' own experiment files, run with `--smoke` (or
// small data) and overrides for the tiny sizes. Each student starts from its teacher's weights,
// so a consistent load gives a distillation loss of 0 at the first step.
class ThesisCheckpoints : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!python().empty()) pickles = std::make_unique<TestPickles>("beitv2 data2vec2 bert");
  }
  static void TearDownTestSuite() { pickles.reset(); }
  void SetUp() override { MMKD_REQUIRE_PYTHON(); }

  // mmkd convert PICKLE converted.safetensors --format FORMAT, then mmkd run THESIS_FILE ARGS.
  CommandResult convert_then_run(const std::string& pickle, const std::string& format, const std::string& thesis_file,
                                 const std::string& args) {
    auto converted = mmkd_in(dir.path(), "convert '" + pickles->file(pickle) + "' converted.safetensors --format " +
                                             format);
    EXPECT_EQ(converted.exit_code, 0) << converted.output;
    return mmkd_in(dir.path(), "run '" + source_dir() + "/experiments/thesis/" + thesis_file + "' --run-dir r " + args);
  }
  std::string converted() const { return dir.file("converted.safetensors"); }

  TempDir dir;
  inline static std::unique_ptr<TestPickles> pickles;
};


TEST_F(ThesisCheckpoints, UnilmBeitv2Pt1kIsSSmkesTeacher) {
  auto r = convert_then_run("beitv2.zip.pt", "unilm_beitv2", "s_smke.yaml",
                            "--smoke teachers.teacher.checkpoint=" + converted() +
                                " teachers.teacher.patch_size=8 teachers.teacher.dim=32 teachers.teacher.depth=2 "
                                "teachers.teacher.heads=4 vars.head_dim=32");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_CONTAINS(r.output, "teachers.teacher: loaded 36 tensors from " + converted() + "\n");
}

TEST_F(ThesisCheckpoints, FairseqData2Vec2IsImageKdsTeacherAndStudent) {
  auto r = convert_then_run(
      "data2vec2.legacy.pt", "fairseq", "image_kd.yaml",
      "vars.data2vec2=" + converted() +
          " 'data.train={type: synthetic_shapes, size: 8, image_size: 32}'"
          " 'data.eval={type: synthetic_shapes, size: 4, image_size: 32}' eval.every_epochs=0"
          " teachers.teacher.image_size=32 teachers.teacher.patch_size=8 teachers.teacher.dim=32"
          " teachers.teacher.depth=3 teachers.teacher.heads=4 teachers.teacher.prenet_depth=1"
          " model.image.image_size=32 model.image.patch_size=8 model.image.dim=32 model.image.depth=3"
          " model.image.heads=4 model.image.prenet_depth=1 'model.image.layers=[0, 1, 2]'"
          " losses.kd.teacher_first_layer=1 losses.kd.student_first_layer=1"
          " trainer.max_steps=1 trainer.batch_size=4 trainer.precision=fp32 trainer.threads=1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_CONTAINS(r.output, "teachers.teacher: loaded 41 tensors from " + converted());
  EXPECT_CONTAINS(r.output, "model.image: loaded 41 tensors from " + converted());
  EXPECT_CONTAINS(r.output, "loss 0.0000");
}

TEST_F(ThesisCheckpoints, HubBertPytorchModelBinIsTextKdsTeacherAndStudent) {
  auto r = convert_then_run("bert.legacy.pt", "hf_bert", "text_kd.yaml",
                            "--smoke model.teacher.checkpoint=" + converted() + " model.text.checkpoint=" + converted() +
                                " model.teacher.vocab_size=64 model.text.vocab_size=64 model.teacher.max_len=16"
                                " model.text.max_len=16 model.teacher.dim=32 model.text.dim=32 model.teacher.heads=4"
                                " model.text.heads=4 model.text.depth=2 'model.text.layers=[0, 1]'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_CONTAINS(r.output, "model.teacher: loaded 29 tensors from " + converted());
  EXPECT_CONTAINS(r.output, "model.text: loaded 31 tensors from " + converted());  // and the pooler, for GLUE
  EXPECT_CONTAINS(r.output, "loss 0.0000");
}

}  // namespace
