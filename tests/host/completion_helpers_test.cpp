#include "cli/completion.hpp"
#include "cli/describe.hpp"
#include "config/experiment_file.hpp"
#include "expect_contains.hpp"
#include "mmkd_testing.hpp"

#include <gtest/gtest.h>

using mmkd::testing::plugins;

namespace {

// What the completion script asks mmkd for: KIND/TYPE names and an experiment's override keys.
TEST(CompletionHelpers, ListsEveryComponentAsKindSlashType) {
  const std::string lines = mmkd::component_lines(plugins());
  EXPECT_CONTAINS(lines, "\nloss/clip_contrastive\n");
  EXPECT_CONTAINS(lines, "\nencoder/vit\n");
  EXPECT_EQ(lines.rfind("dataset/", 0), 0u) << lines;
}

TEST(CompletionHelpers, OverrideKeysAreTheLeavesOfTheConfigMaps) {
  const mmkd::ConfigNode config = mmkd::parse_yaml_string(
      "name: tiny\ntrainer: {batch_size: 8, lr_steps: [1, 2]}\nmodel:\n  image: {type: vit, inputs: {image: batch.image}}\n",
      "exp.yaml");
  EXPECT_EQ(mmkd::override_key_lines(config),
            "name=\ntrainer.batch_size=\ntrainer.lr_steps=\nmodel.image.type=\nmodel.image.inputs.image=\n");
}

// `mmkd describe --all` is `mmkd describe KIND/TYPE` of every component; --markdown names no file.
TEST(DescribeAll, DescribesEveryComponentAsDescribeDoes) {
  const std::string all = mmkd::describe_all_components(plugins());
  for (const auto& name : mmkd::component_names(plugins()))
    EXPECT_CONTAINS(all, mmkd::describe_component(plugins(), name));
}

TEST(DescribeAll, MarkdownHasAContentsLinkAndASectionPerComponentWithoutPaths) {
  const std::string markdown = mmkd::components_reference_markdown(plugins());
  EXPECT_CONTAINS(markdown, "[clip_contrastive](#lossclip_contrastive)");
  EXPECT_CONTAINS(markdown, "\n### loss/clip_contrastive\n");
  EXPECT_CONTAINS(markdown, "Library: `mmkd_losses_contrastive`.");
  EXPECT_CONTAINS(markdown, "| `init_temperature` | float | `0.07` | > 0 |");
  EXPECT_EQ(markdown.find(mmkd::testing::build_dir()), std::string::npos);
  EXPECT_EQ(markdown.find(".so"), std::string::npos);
}

}  // namespace
