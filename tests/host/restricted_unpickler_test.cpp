#include "expect_error.hpp"
#include "io/restricted_unpickler.hpp"

#include <mmkd/error.hpp>

#include <gtest/gtest.h>

#include <string>

using namespace std::string_literals;
using mmkd::pickle::ValueKind;
using mmkd::pickle::ValuePtr;

namespace {

ValuePtr unpickled(const std::string& bytes) {
  return mmkd::pickle::unpickle(bytes, 0, "test.pkl", [](const mmkd::pickle::Value&) -> ValuePtr {
           throw mmkd::Error("no persistent ids here");
         }).root;
}

void expect_unpickling_fails(const std::string& bytes, const std::vector<std::string>& parts) {
  mmkd::testing::expect_error_naming([&] { unpickled(bytes); }, parts);
}

// pickle.dumps({"none": None, "yes": True, "small": 5, "medium": 40000, "negative": -70000, "big": 2**70,
//               "float": 2.5, "text": "h\u00e9", "tuple": (1, "a"), "shared": x, "again": x}, protocol=P), x = [7]
const std::string plain_protocol_2 =
    "\200\002}q\000(X\004\000\000\000noneq\001NX\003\000\000\000yesq\002\210X\005\000\000\000smallq\003K\005X\006\000"
    "\000\000mediumq\004M@\234X\010\000\000\000negativeq\005J\220\356\376\377X\003\000\000\000bigq\006\212\011\000\000"
    "\000\000\000\000\000\000@X\005\000\000\000floatq\007G@\004\000\000\000\000\000\000X\004\000\000\000textq\010X\003"
    "\000\000\000h\303\251q\011X\005\000\000\000tupleq\012K\001X\001\000\000\000aq\013\206q\014X\006\000\000\000shared"
    "q\015]q\016K\007aX\005\000\000\000againq\017h\016u."s;
const std::string plain_protocol_5 =
    "\200\005\225\221\000\000\000\000\000\000\000}\224(\214\004none\224N\214\003yes\224\210\214\005small\224K\005\214"
    "\006medium\224M@\234\214\010negative\224J\220\356\376\377\214\003big\224\212\011\000\000\000\000\000\000\000\000@"
    "\214\005float\224G@\004\000\000\000\000\000\000\214\004text\224\214\003h\303\251\224\214\005tuple\224K\001\214\001"
    "a\224\206\224\214\006shared\224]\224K\007a\214\005again\224h\016u."s;

TEST(RestrictedUnpickler, ReadsPlainValuesOfProtocols2And5) {
  for (const std::string& bytes : {plain_protocol_2, plain_protocol_5}) {
    const ValuePtr root = unpickled(bytes);
    ASSERT_EQ(root->kind, ValueKind::dict);
    ASSERT_EQ(root->entries.size(), 11u);
    EXPECT_EQ(root->entries[0].first->text, "none");
    EXPECT_EQ(root->find("none")->kind, ValueKind::none);
    EXPECT_TRUE(root->find("yes")->boolean);
    EXPECT_EQ(root->find("small")->integer, 5);
    EXPECT_EQ(root->find("medium")->integer, 40000);
    EXPECT_EQ(root->find("negative")->integer, -70000);
    EXPECT_EQ(root->find("big")->kind, ValueKind::big_integer);
    EXPECT_EQ(root->find("big")->text, "\000\000\000\000\000\000\000\000@"s);
    EXPECT_EQ(root->find("float")->floating, 2.5);
    EXPECT_EQ(root->find("text")->text, "h\303\251");
    ASSERT_EQ(root->find("tuple")->kind, ValueKind::tuple);
    EXPECT_EQ(root->find("tuple")->items[1]->text, "a");
    ASSERT_EQ(root->find("shared")->kind, ValueKind::list);
    EXPECT_EQ(root->find("shared")->items[0]->integer, 7);
    EXPECT_EQ(root->find("shared"), root->find("again"));  // one object, through the memo
  }
}

TEST(RestrictedUnpickler, ReadsBytesAndSetsOfProtocol5) {
  // pickle.dumps({"bytes": b"\x00\xff", "set": {3}, "frozen": frozenset([4])}, protocol=5)
  const ValuePtr root = unpickled(
      "\200\005\225,\000\000\000\000\000\000\000}\224(\214\005bytes\224C\002\000\377\224\214\003set\224\217\224(K\003"
      "\220\214\006frozen\224(K\004\221\224u."s);
  EXPECT_EQ(root->find("bytes")->kind, ValueKind::bytes);
  EXPECT_EQ(root->find("bytes")->text, "\000\377"s);
  ASSERT_EQ(root->find("set")->kind, ValueKind::set);
  EXPECT_EQ(root->find("set")->items[0]->integer, 3);
  ASSERT_EQ(root->find("frozen")->kind, ValueKind::set);
  EXPECT_EQ(root->find("frozen")->items[0]->integer, 4);
}

TEST(RestrictedUnpickler, ConfigurationObjectsOnlyRecordTheirArguments) {
  // pickle.dumps(argparse.Namespace(lr=0.5), protocol=2): NEWOBJ, then BUILD with its __dict__
  const ValuePtr namespace_object = unpickled(
      "\200\002cargparse\012Namespace\012q\000)\201q\001}q\002X\002\000\000\000lrq\003G\077\340\000\000\000\000\000\000"
      "sb."s);
  ASSERT_EQ(namespace_object->kind, ValueKind::object);
  EXPECT_EQ(namespace_object->text, "argparse.Namespace");
  EXPECT_EQ(namespace_object->state->find("lr")->floating, 0.5);

  // pickle.dumps(pathlib.PurePosixPath("/x"), protocol=2): REDUCE
  const ValuePtr path = unpickled(
      "\200\002cpathlib\012PurePosixPath\012q\000X\001\000\000\000/q\001X\001\000\000\000xq\002\206q\003Rq\004."s);
  ASSERT_EQ(path->kind, ValueKind::object);
  EXPECT_EQ(path->text, "pathlib.PurePosixPath");
  ASSERT_EQ(path->items.size(), 2u);
  EXPECT_EQ(path->items[1]->text, "x");
}

TEST(RestrictedUnpickler, RefusesEveryOtherGlobal) {
  const std::string refused = "refused to load: the pickle calls ";
  const std::string nothing_run = "; nothing in it was run";
  expect_unpickling_fails("\200\002cos\012system\012X\005\000\000\000touch\205R."s,
                          {"test.pkl: " + refused + "os.system, which is neither", nothing_run});
  expect_unpickling_fails("\200\004\214\010builtins\214\007getattr\223."s, {refused + "builtins.getattr"});
  expect_unpickling_fails("\200\002c__builtin__\012eval\012."s, {refused + "builtins.eval"});  // Python 2 names
  expect_unpickling_fails("\200\002csubprocess\012Popen\012."s, {refused + "subprocess.Popen"});
  expect_unpickling_fails("\200\002ctorch._utils\012_rebuild_tensor_v3\012."s,
                          {"test.pkl: holds a tensor of a dtype that has no typed storage"});
  expect_unpickling_fails("\200\002ctorch\012QInt8Storage\012."s, {"holds a torch.QInt8Storage tensor"});
}

TEST(RestrictedUnpickler, CorruptPicklesSayWhatIsWrongAndWhere) {
  expect_unpickling_fails("\200\002h\003."s, {"test.pkl: corrupt pickle at byte 2: memo entry 3 was never stored"});
  expect_unpickling_fails("\200\002X\020\000\000\000abc"s, {"test.pkl: truncated", "opcode at byte 2"});
  expect_unpickling_fails("\200\002N"s, {"test.pkl: truncated"});
  expect_unpickling_fails("S'abc'\012."s, {"unsupported opcode 0x53 ('S')"});
  expect_unpickling_fails("\200\002K\001)R."s, {"REDUCE calls int 1, which is not a class or function"});
  expect_unpickling_fails("\200\0020."s, {"corrupt pickle at byte 2: the stack is empty"});
  expect_unpickling_fails("\200\006N."s, {"pickle protocol 6 is newer than 5"});
  expect_unpickling_fails("\200\002NN."s, {"STOP with 2 values"});
  expect_unpickling_fails("\200\002(K\001t\205Q."s, {"no persistent ids here"});
}

}  // namespace
