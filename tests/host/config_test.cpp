#include "config/experiment_file.hpp"
#include "mmkd_testing.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>

namespace mmkd {
namespace {

using testing::TempDir;
using testing::write_file;

::testing::AssertionResult contains(const std::string& text, const std::string& fragment) {
  if (text.find(fragment) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << fragment << "' not in:\n" << text;
}

ConfigError error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const ConfigError& e) {
    return e;
  }
  ADD_FAILURE() << "no ConfigError";
  return ConfigError(std::vector<Diagnostic>{});
}

ConfigNode parse(const std::string& yaml) { return parse_yaml_string(yaml, "test.yaml"); }

ConfigNode resolved(const std::string& yaml) {
  ConfigNode root = parse(yaml);
  interpolate(root);
  return root;
}

const std::string& value_at(const ConfigNode& root, const std::string& path) {
  const ConfigNode* node = root.at_path(path);
  EXPECT_NE(node, nullptr) << path;
  static const std::string missing = "<missing>";
  return node != nullptr && node->is_scalar() ? node->value() : missing;
}

::testing::AssertionResult same_tree(const ConfigNode& a, const ConfigNode& b, const std::string& path = "<root>") {
  if (a.type() != b.type())
    return ::testing::AssertionFailure() << path << ": " << a.describe() << " vs " << b.describe();
  if (a.is_scalar() && (a.value() != b.value() || a.quoted() != b.quoted()))
    return ::testing::AssertionFailure() << path << ": " << a.describe() << " vs " << b.describe();
  if (a.items().size() != b.items().size() || a.keys() != b.keys())
    return ::testing::AssertionFailure() << path << ": different children";
  for (size_t i = 0; i < a.items().size(); ++i)
    if (auto r = same_tree(a.items()[i], b.items()[i], path + "." + std::to_string(i)); !r) return r;
  for (size_t i = 0; i < a.entries().size(); ++i)
    if (auto r = same_tree(a.entries()[i].second, b.entries()[i].second, path + "." + a.entries()[i].first); !r)
      return r;
  return ::testing::AssertionSuccess();
}

TEST(ConfigNodeTest, SetReplacesInPlaceOrAppendsAndEraseRemoves) {
  ConfigNode map = ConfigNode::map();
  map.set("a", ConfigNode::scalar("1"));
  map.set("b", ConfigNode::scalar("2"));
  map.set("a", ConfigNode::scalar("3"));
  EXPECT_EQ(map.keys(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(map.find("a")->value(), "3");
  EXPECT_TRUE(map.erase("a"));
  EXPECT_FALSE(map.erase("a"));
  EXPECT_EQ(map.keys(), (std::vector<std::string>{"b"}));
}

TEST(ConfigNodeTest, DescribesEachType) {
  ConfigNode quoted = ConfigNode::scalar("5");
  quoted.set_quoted(true);
  EXPECT_EQ(ConfigNode().describe(), "null");
  EXPECT_EQ(ConfigNode::map().describe(), "a map");
  EXPECT_EQ(ConfigNode::list().describe(), "a list");
  EXPECT_EQ(ConfigNode::scalar("abc").describe(), "the string 'abc'");
  EXPECT_EQ(quoted.describe(), "the quoted string '5'");
}

TEST(ConfigNodeTest, AtPathWalksMapsAndListIndices) {
  ConfigNode root = parse("a: [x, {b: 2}]\n");
  EXPECT_EQ(value_at(root, "a.1.b"), "2");
  EXPECT_EQ(root.at_path(""), &root);
  EXPECT_EQ(root.at_path("a.2"), nullptr);
  EXPECT_EQ(root.at_path("a.x"), nullptr);
  EXPECT_EQ(root.at_path("a.0.b"), nullptr);
}

TEST(ConfigParseTest, EveryNodeKnowsFileLineAndColumn) {
  TempDir dir;
  write_file(dir.file("exp.yaml"), "a: 1\nb:\n  c: [x, y]\n");
  ConfigNode root = parse_yaml_file(dir.file("exp.yaml"));
  EXPECT_EQ(root.find("a")->where().to_string(), dir.file("exp.yaml") + ":1:4");
  EXPECT_EQ(root.find("b")->where().to_string(), dir.file("exp.yaml") + ":2:1");
  EXPECT_EQ(root.at_path("b.c.1")->where().to_string(), dir.file("exp.yaml") + ":3:10");
}

TEST(ConfigParseTest, QuotedScalarsAreMarked) {
  ConfigNode root = parse("a: \"1\"\nb: 1\nc: 'x'\nd: !!str 2\n");
  EXPECT_TRUE(root.find("a")->quoted());
  EXPECT_FALSE(root.find("b")->quoted());
  EXPECT_TRUE(root.find("c")->quoted());
  EXPECT_TRUE(root.find("d")->quoted());
}

TEST(ConfigParseTest, TildeNullAndEmptyValuesAreNull) {
  ConfigNode root = parse("a: ~\nb: null\nc:\nd: \"null\"\n");
  EXPECT_TRUE(root.find("a")->is_null());
  EXPECT_TRUE(root.find("b")->is_null());
  EXPECT_TRUE(root.find("c")->is_null());
  EXPECT_EQ(root.find("c")->where().line, 3);
  EXPECT_TRUE(root.find("d")->is_scalar());
  EXPECT_TRUE(parse("").is_null());
}

TEST(ConfigParseTest, MalformedYamlNamesFileLineAndColumn) {
  TempDir dir;
  write_file(dir.file("bad.yaml"), "a: 1\nb: c: d\n");
  ConfigError e = error_of([&] { parse_yaml_file(dir.file("bad.yaml")); });
  EXPECT_TRUE(contains(e.what(), dir.file("bad.yaml") + ":2:5: invalid YAML: illegal map value"));
}

// Found by fuzzing: an alias inside the node it names recursed until the stack overflowed, and
// aliases of aliases expand exponentially.
TEST(ConfigParseTest, RecursiveAndExplodingAliasesAreErrorsNotCrashes) {
  ConfigError recursive = error_of([] { parse("name: &a\n  x: {k: 1, y: *a}\n"); });
  ASSERT_EQ(recursive.diagnostics().size(), 1u);
  EXPECT_TRUE(contains(recursive.what(), "nested deeper than 64 levels (an alias inside the node it names"));
  std::string laughs = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";  // a7 would hold 10^8 values
  for (int i = 1; i < 8; ++i) {
    std::string items;
    for (int j = 0; j < 10; ++j) items += (j ? ", *a" : "*a") + std::to_string(i - 1);
    laughs += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [" + items + "]\n";
  }
  ConfigError exploding = error_of([&] { parse(laughs); });
  EXPECT_TRUE(contains(exploding.what(), "more than 100000 values")) << exploding.what();
  EXPECT_EQ(parse("a: &a {k: 1}\nb: *a\n").find("b")->find("k")->value(), "1");
}

TEST(ConfigParseTest, MissingFileIsNamed) {
  TempDir dir;
  ConfigError e = error_of([&] { parse_yaml_file(dir.file("nope.yaml")); });
  EXPECT_TRUE(contains(e.what(), dir.file("nope.yaml") + ": no such config file"));
}

TEST(ConfigParseTest, DuplicateKeyNamesBothLines) {
  ConfigError e = error_of([] { parse("a: 1\nb:\n  x: 1\n  x: 2\na: 3\n"); });
  ASSERT_EQ(e.diagnostics().size(), 2u);
  EXPECT_EQ(e.diagnostics()[0].to_string(), "test.yaml:4:3: b.x: duplicate key `x` (first at line 3, again at line 4)");
  EXPECT_EQ(e.diagnostics()[1].to_string(), "test.yaml:5:1: a: duplicate key `a` (first at line 1, again at line 5)");
}

TEST(ConfigMergeTest, MapsMergeKeyByKeyAndListsAreReplaced) {
  ConfigNode base = parse("a: {x: 1, y: [1, 2, 3]}\nb: 1\n");
  ConfigNode over = parse_yaml_string("a: {y: [9], z: 3}\nc: 2\n", "over.yaml");
  deep_merge(base, over);
  EXPECT_EQ(base.keys(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(base.find("a")->keys(), (std::vector<std::string>{"x", "y", "z"}));
  EXPECT_EQ(value_at(base, "a.x"), "1");
  ASSERT_EQ(base.at_path("a.y")->items().size(), 1u);
  EXPECT_EQ(value_at(base, "a.y.0"), "9");
  EXPECT_EQ(base.at_path("a.y")->where().file, "over.yaml");
  EXPECT_EQ(base.at_path("a.x")->where().file, "test.yaml");
}

TEST(ConfigMergeTest, ScalarAndMapReplaceEachOther) {
  ConfigNode base = parse("a: {x: 1}\nb: 2\n");
  deep_merge(base, parse("a: off\nb: {y: 1}\n"));
  EXPECT_EQ(value_at(base, "a"), "off");
  EXPECT_EQ(value_at(base, "b.y"), "1");
}

TEST(ConfigOverrideTest, SetsTypedValuesFromTheCommandLine) {
  ConfigNode root = parse("trainer: {batch_size: 32}\noptimizer: {betas: [0.9, 0.98]}\nname: x\n");
  apply_override(root, "trainer.batch_size=64");
  apply_override(root, "optimizer.betas=[0.5, 0.6, 0.7]");
  apply_override(root, "name=null");
  apply_override(root, "tag='7'");
  const ConfigNode& batch_size = *root.at_path("trainer.batch_size");
  EXPECT_EQ(batch_size.value(), "64");
  EXPECT_FALSE(batch_size.quoted());
  EXPECT_EQ(batch_size.where().file, "<command line>");
  EXPECT_EQ(root.at_path("optimizer.betas")->items().size(), 3u);
  EXPECT_TRUE(root.find("name")->is_null());
  EXPECT_TRUE(root.find("tag")->quoted());
}

TEST(ConfigOverrideTest, CreatesIntermediateMapsAndSetsListItems) {
  ConfigNode root = parse("betas: [0.9, 0.98]\nempty: ~\n");
  apply_override(root, "model.image.dim=8");
  apply_override(root, "betas.1=0.5");
  apply_override(root, "empty.k=v");
  EXPECT_EQ(value_at(root, "model.image.dim"), "8");
  EXPECT_EQ(value_at(root, "betas.1"), "0.5");
  EXPECT_EQ(value_at(root, "empty.k"), "v");
}

// Hydra's forms: +key adds a key the config lacks, ++key adds or replaces, ~key removes one.
TEST(ConfigOverrideTest, HydraAddReplaceAndRemoveForms) {
  ConfigNode root = parse("trainer: {batch_size: 32, threads: 1}\nmodel: {image: {dim: 8}}\nempty: ~\n");
  apply_override(root, "+trainer.accumulate=2");
  apply_override(root, "+empty=3");
  apply_override(root, "++trainer.batch_size=64");
  apply_override(root, "++trainer.clip=1.0");
  apply_override(root, "~trainer.threads");
  apply_override(root, "~model.image.dim=8");
  apply_override(root, "+model.image.layers=[0, 2]");
  EXPECT_EQ(value_at(root, "trainer.accumulate"), "2");
  EXPECT_EQ(value_at(root, "empty"), "3");
  EXPECT_EQ(value_at(root, "trainer.batch_size"), "64");
  EXPECT_EQ(value_at(root, "trainer.clip"), "1.0");
  EXPECT_EQ(root.at_path("trainer.threads"), nullptr);
  EXPECT_EQ(root.at_path("model.image.dim"), nullptr);
  EXPECT_EQ(root.at_path("model.image.layers")->items().size(), 2u);
  EXPECT_TRUE(contains(error_of([&] { apply_override(root, "+trainer.batch_size=1"); }).what(),
                       "<command line>: trainer.batch_size: override `+trainer.batch_size=1` adds `trainer.batch_size`, "
                       "which is already the string '64': write `trainer.batch_size=...` (or `++trainer.batch_size=...`)"));
  EXPECT_TRUE(contains(error_of([&] { apply_override(root, "~trainer.epochs"); }).what(),
                       "override `~trainer.epochs` removes `trainer.epochs`, which the config does not have"));
  EXPECT_TRUE(contains(error_of([&] { apply_override(root, "~trainer.batch_size=32"); }).what(),
                       "override `~trainer.batch_size=32`: `trainer.batch_size` is the string '64', not the string '32'"));
  EXPECT_TRUE(contains(error_of([&] { apply_override(root, "~model.image.layers.0"); }).what(),
                       "only keys of maps can be removed, and `model.image.layers` is a list"));
}

TEST(ConfigOverrideTest, MalformedOverridesNameTheOverride) {
  ConfigNode root = parse("a: 1\n");
  EXPECT_TRUE(contains(error_of([&] { apply_override(root, "trainer.batch_size"); }).what(),
                       "<command line>: malformed override `trainer.batch_size`: expected key.path=value"));
  EXPECT_TRUE(contains(error_of([&] { apply_override(root, "=3"); }).what(), "malformed override `=3`"));
  EXPECT_TRUE(contains(error_of([&] { apply_override(root, "b=[1,"); }).what(), "b: override `b=[1,`: invalid YAML"));
  EXPECT_TRUE(contains(error_of([&] { apply_override(root, "a.b=2"); }).what(),
                       "a.b: override `a.b=2`: `a` is the string '1', it has no key `b`"));
}

TEST(ConfigInterpolateTest, WholeReferenceCopiesTheNodeWithItsType) {
  ConfigNode root = resolved(
      "width: 64\nname: \"007\"\nlists: {layers: [1, 2]}\nbase: {a: 1}\n"
      "model: {dim: '${width}', layers: '${lists.layers}', cfg: '${base}', tag: '${name}'}\n");
  EXPECT_EQ(value_at(root, "model.dim"), "64");
  EXPECT_FALSE(root.at_path("model.dim")->quoted());
  EXPECT_EQ(root.at_path("model.dim")->where().line, 5);
  EXPECT_EQ(root.at_path("model.layers")->items().size(), 2u);
  EXPECT_EQ(value_at(root, "model.cfg.a"), "1");
  EXPECT_TRUE(root.at_path("model.tag")->quoted());
  EXPECT_EQ(value_at(root, "model.tag"), "007");
}

TEST(ConfigInterpolateTest, ReferencesInsideTextAreConcatenated) {
  ConfigNode root = resolved("name: run\nseed: 3\ndir: runs/${name}/${seed}.d\n");
  EXPECT_EQ(value_at(root, "dir"), "runs/run/3.d");
}

TEST(ConfigInterpolateTest, ReferencedValuesAreInterpolatedFirst) {
  ConfigNode root = resolved("a: ${b}\nb: ${c}\nc: 5\nx: ${y}\ny: {z: '${c}'}\nv: ${x.z}\nl: ['${a}', 'n${l.0}']\n");
  EXPECT_EQ(value_at(root, "a"), "5");
  EXPECT_EQ(value_at(root, "l.1"), "n5");
  EXPECT_EQ(value_at(root, "x.z"), "5");
  EXPECT_EQ(value_at(root, "v"), "5");
}

TEST(ConfigInterpolateTest, ReadsEnvironmentVariablesWithDefaults) {
  setenv("MMKD_CONFIG_TEST_SET", "abc", 1);
  unsetenv("MMKD_CONFIG_TEST_UNSET");
  ConfigNode root = resolved(
      "a: ${env:MMKD_CONFIG_TEST_SET}\nb: ${env:MMKD_CONFIG_TEST_UNSET,7}\nc: x-${env:MMKD_CONFIG_TEST_SET}\n");
  EXPECT_EQ(value_at(root, "a"), "abc");
  EXPECT_EQ(value_at(root, "b"), "7");
  EXPECT_EQ(value_at(root, "c"), "x-abc");
  ConfigNode hydra = resolved("a: ${oc.env:MMKD_CONFIG_TEST_SET}\nb: ${oc.env:MMKD_CONFIG_TEST_UNSET,8}\n");
  EXPECT_EQ(value_at(hydra, "a"), "abc");
  EXPECT_EQ(value_at(hydra, "b"), "8");
  EXPECT_TRUE(contains(error_of([] { resolved("a: ${env:MMKD_CONFIG_TEST_UNSET}\n"); }).what(),
                       "test.yaml:1:4: a: environment variable `MMKD_CONFIG_TEST_UNSET` is not set"));
}

TEST(ConfigInterpolateTest, CycleIsReportedOnceWithTheChain) {
  ConfigError e = error_of([] { resolved("a: ${b}\nb: ${c}\nc: ${a}\n"); });
  ASSERT_EQ(e.diagnostics().size(), 1u);
  EXPECT_EQ(e.diagnostics()[0].to_string(), "test.yaml:3:4: c: interpolation cycle: a -> b -> c -> a");
  EXPECT_TRUE(contains(error_of([] { resolved("a: {b: '${a}'}\n"); }).what(), "interpolation cycle: a -> a.b -> a"));
}

TEST(ConfigInterpolateTest, UnknownReferencesAreReportedTogetherWithFileAndLine) {
  TempDir dir;
  write_file(dir.file("exp.yaml"), "model:\n  dim: ${widht}\n  name: x${nme}\n  ok: ${width}\nwidth: 3\n");
  ConfigNode root = parse_yaml_file(dir.file("exp.yaml"));
  ConfigError e = error_of([&] { interpolate(root); });
  ASSERT_EQ(e.diagnostics().size(), 2u);
  EXPECT_EQ(e.diagnostics()[0].to_string(),
            dir.file("exp.yaml") + ":2:8: model.dim: unknown key `widht` in `${widht}` (did you mean `width`?)");
  EXPECT_TRUE(contains(e.diagnostics()[1].to_string(), dir.file("exp.yaml") + ":3:9: model.name: unknown key `nme`"));
}

TEST(ConfigInterpolateTest, OnlyScalarsCanBeEmbeddedInText) {
  EXPECT_TRUE(contains(error_of([] { resolved("a: {x: 1}\nb: pre-${a}\n"); }).what(),
                       "b: `${a}` is a map; only a scalar can be part of a string"));
}

TEST(ConfigExtendsTest, ChainAcrossTwoFoldersMergesBasesThenOverridesThenInterpolates) {
  TempDir dir;
  write_file(dir.file("base/common.yaml"),
             "trainer: {batch_size: 32, epochs: 10}\noptimizer: {betas: [0.9, 0.98], lr: 0.1}\nname: common\n");
  write_file(dir.file("base/short.yaml"), "extends: common.yaml\ntrainer: {epochs: 5}\n");
  write_file(dir.file("exp/run.yaml"),
             "extends: ../base/short.yaml\noptimizer: {betas: [0.5]}\nname: run\nsteps: ${trainer.epochs}\n");
  ConfigNode root = load_experiment(dir.file("exp/run.yaml"), {"trainer.batch_size=64"});
  EXPECT_EQ(root.find("extends"), nullptr);
  EXPECT_EQ(value_at(root, "trainer.batch_size"), "64");
  EXPECT_EQ(value_at(root, "trainer.epochs"), "5");
  EXPECT_EQ(root.at_path("trainer.epochs")->where().to_string(), dir.file("base/short.yaml") + ":2:19");
  EXPECT_EQ(root.at_path("optimizer.betas")->items().size(), 1u);
  EXPECT_EQ(value_at(root, "optimizer.lr"), "0.1");
  EXPECT_EQ(value_at(root, "name"), "run");
  EXPECT_EQ(value_at(root, "steps"), "5");
}

TEST(ConfigExtendsTest, ListOfBasesIsMergedInOrder) {
  TempDir dir;
  write_file(dir.file("a.yaml"), "x: 1\ny: 1\n");
  write_file(dir.file("b.yaml"), "y: 2\nz: 2\n");
  write_file(dir.file("exp.yaml"), "extends: [a.yaml, b.yaml]\nz: 3\n");
  ConfigNode root = load_experiment(dir.file("exp.yaml"), {});
  EXPECT_EQ(root.keys(), (std::vector<std::string>{"x", "y", "z"}));
  EXPECT_EQ(value_at(root, "y"), "2");
  EXPECT_EQ(value_at(root, "z"), "3");
}

TEST(ConfigSmokeTest, AppliesTheSmokeMapThenTwoStepsAndRandomWeights) {
  TempDir dir;
  write_file(dir.file("base.yaml"), "vars: {dim: 768}\nsmoke: {vars.dim: 8, data.train: {type: synthetic_shapes}}\n");
  write_file(dir.file("exp.yaml"), R"(extends: base.yaml
data: {train: {type: image_text, index: coco.jsonl}}
teachers: {t: {type: vit_teacher, checkpoint: beit.safetensors, cached: t.tc}}
model: {image: {type: vit, dim: "${vars.dim}", checkpoint: student.safetensors}}
trainer: {max_steps: 1000}
log: {loggers: {wandb: {type: wandb}}}
)");
  ConfigNode smoke = load_experiment(dir.file("exp.yaml"), {"trainer.batch_size=4"}, ExperimentVariant::smoke);
  EXPECT_EQ(smoke.find("smoke"), nullptr);
  EXPECT_EQ(value_at(smoke, "model.image.dim"), "8");
  EXPECT_EQ(value_at(smoke, "data.train.type"), "synthetic_shapes");
  EXPECT_EQ(smoke.at_path("data.train.index"), nullptr);  // replaced, not merged
  EXPECT_EQ(value_at(smoke, "model.image.checkpoint"), "");
  EXPECT_EQ(value_at(smoke, "teachers.t.checkpoint"), "");
  EXPECT_EQ(smoke.at_path("teachers.t.cached"), nullptr);
  EXPECT_EQ(value_at(smoke, "trainer.max_steps"), "2");
  EXPECT_EQ(value_at(smoke, "trainer.batch_size"), "4");
  EXPECT_TRUE(smoke.at_path("log.loggers")->is_null());

  ConfigNode normal = load_experiment(dir.file("exp.yaml"), {});
  EXPECT_EQ(normal.find("smoke"), nullptr);
  EXPECT_EQ(value_at(normal, "model.image.dim"), "768");
  EXPECT_EQ(value_at(normal, "trainer.max_steps"), "1000");

  write_file(dir.file("bad.yaml"), "smoke: [vars.dim]\n");
  EXPECT_TRUE(contains(error_of([&] { load_experiment(dir.file("bad.yaml"), {}, ExperimentVariant::smoke); }).what(),
                       dir.file("bad.yaml") + ":1:8: smoke: expected a map of key.path: value"));
}

TEST(ConfigBenchTest, TheBenchMapGivesSyntheticDataAndRandomWeightsOnlyWhereTheExperimentHasOne) {
  TempDir dir;
  write_file(dir.file("base.yaml"), "bench: {data.train: {type: synthetic_shapes, image_size: 224}}\nsmoke: {vars.dim: 8}\n");
  const std::string body = R"(
data: {train: {type: image_text, index: coco.jsonl}}
model: {image: {type: vit, checkpoint: student.safetensors}}
trainer: {max_steps: 1000}
)";
  write_file(dir.file("exp.yaml"), "extends: base.yaml\n" + body);
  ConfigNode bench = load_experiment(dir.file("exp.yaml"), {}, ExperimentVariant::bench);
  EXPECT_EQ(bench.find("bench"), nullptr);
  EXPECT_EQ(bench.find("smoke"), nullptr);
  EXPECT_EQ(value_at(bench, "data.train.type"), "synthetic_shapes");
  EXPECT_EQ(value_at(bench, "data.train.image_size"), "224");
  EXPECT_EQ(value_at(bench, "model.image.checkpoint"), "");
  EXPECT_EQ(value_at(bench, "trainer.max_steps"), "1000");

  write_file(dir.file("plain.yaml"), body);
  ConfigNode plain = load_experiment(dir.file("plain.yaml"), {}, ExperimentVariant::bench);
  EXPECT_EQ(value_at(plain, "data.train.type"), "image_text");
  EXPECT_EQ(value_at(plain, "model.image.checkpoint"), "student.safetensors");
  EXPECT_EQ(value_at(load_experiment(dir.file("exp.yaml"), {}), "model.image.checkpoint"), "student.safetensors");

  write_file(dir.file("bad.yaml"), "bench: 3\n");
  EXPECT_TRUE(contains(error_of([&] { load_experiment(dir.file("bad.yaml"), {}, ExperimentVariant::bench); }).what(),
                       dir.file("bad.yaml") + ":1:8: bench: expected a map of key.path: value"));
}

TEST(ConfigExtendsTest, CycleNamesTheFiles) {
  TempDir dir;
  write_file(dir.file("a.yaml"), "extends: b.yaml\n");
  write_file(dir.file("b.yaml"), "extends: a.yaml\n");
  ConfigError e = error_of([&] { load_experiment(dir.file("a.yaml"), {}); });
  EXPECT_TRUE(contains(e.what(), dir.file("b.yaml") + ":1:10: extends: extends cycle: " + dir.file("a.yaml") + " -> " +
                                     dir.file("b.yaml") + " -> " + dir.file("a.yaml")));
}

TEST(ConfigExtendsTest, MissingBaseIsReportedAtTheExtendsLine) {
  TempDir dir;
  write_file(dir.file("exp.yaml"), "x: 1\nextends: nope.yaml\n");
  EXPECT_TRUE(contains(error_of([&] { load_experiment(dir.file("exp.yaml"), {}); }).what(),
                       dir.file("exp.yaml") + ":2:10: extends: no such config file `" + dir.file("nope.yaml") + "`"));
}

TEST(ConfigYamlTest, WritesBlockStyleWithKeysInOrder) {
  ConfigNode root = parse("b: {y: [1, {k: v, l: w}], x: ~}\na: []\nc: {}\n");
  EXPECT_EQ(to_yaml(root), "b:\n  y:\n    - 1\n    - k: v\n      l: w\n  x: null\na: []\nc: {}\n");
}

TEST(ConfigYamlTest, RoundTripKeepsValuesQuotesNullsAndEmptyCollections) {
  ConfigNode root = parse(
      "plain: abc\nnumber: -1.5e-3\nquoted_number: \"42\"\nquoted_null: 'null'\nnull_value: ~\nempty: ''\n"
      "tricky: ['a: b', '#x', ' lead', '-', '- x', \"line\\nbreak\\t\\\"q\\\"\", 'back\\slash', '{x}', ü]\n"
      "'key: with colon': 1\n'': empty key\nnested: [[1, 2], [], {}, {a: [x]}]\nblock: |\n  two\n  lines\n");
  std::string yaml = to_yaml(root);
  EXPECT_TRUE(same_tree(parse_yaml_string(yaml, "out.yaml"), root)) << yaml;
  EXPECT_EQ(to_yaml(parse(yaml)), yaml);
}

TEST(ConfigYamlTest, UnquotedValuesThatNeedQuotesStayTheSameString) {
  ConfigNode root = ConfigNode::map();
  root.set("a", ConfigNode::scalar("x: y"));
  root.set("b", ConfigNode::scalar("null"));
  root.set("c", ConfigNode::scalar(""));
  ConfigNode back = parse(to_yaml(root));
  EXPECT_EQ(value_at(back, "a"), "x: y");
  EXPECT_EQ(value_at(back, "b"), "null");
  EXPECT_EQ(value_at(back, "c"), "");
  EXPECT_EQ(to_yaml(ConfigNode()), "null\n");
}

}  // namespace
}  // namespace mmkd
