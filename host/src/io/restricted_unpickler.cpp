#include "io/restricted_unpickler.hpp"

#include "io/pickle_globals.hpp"

#include <mmkd/error.hpp>

#include <fmt/format.h>

#include <cstring>
#include <unordered_map>

namespace mmkd::pickle {

namespace {

constexpr int kHighestProtocol = 5;

class RestrictedUnpickler {
 public:
  RestrictedUnpickler(std::string_view bytes, size_t start, const std::string& where,
                      const PersistentLoad& persistent_load)
      : bytes_(bytes), at_(start), where_(where), persistent_load_(persistent_load) {}

  Unpickled run() {
    for (;;) {
      opcode_at_ = at_;
      const uint8_t opcode = static_cast<uint8_t>(take(1)[0]);
      if (opcode == '.') break;
      step(opcode);
    }
    if (stack_.size() != 1 || !marks_.empty())
      throw corrupt(fmt::format("STOP with {} values and {} marks on the stack, expected one value", stack_.size(),
                                marks_.size()));
    return {stack_.back(), at_, std::move(tensors_)};
  }

 private:
  void step(uint8_t opcode) {
    switch (opcode) {
      case 0x80: protocol(); break;
      case 0x95: take(8); break;  // FRAME: only a read-ahead hint
      case '(': marks_.push_back(stack_.size()); break;
      case '0': pop(); break;
      case '1': pop_mark(); break;
      case '2': push(top()); break;
      case 'N': push(make_value(ValueKind::none)); break;
      case 0x88: push(boolean(true)); break;
      case 0x89: push(boolean(false)); break;
      case 'J': push(integer(signed_little_endian(take(4)))); break;
      case 'K': push(integer(unsigned_little_endian(take(1)))); break;
      case 'M': push(integer(unsigned_little_endian(take(2)))); break;
      case 0x8a: push(long_integer(take(unsigned_little_endian(take(1))))); break;
      case 0x8b: push(long_integer(take(unsigned_little_endian(take(4))))); break;
      case 'G': push(binary_float(take(8))); break;
      case 'X': push(text(ValueKind::string, take(unsigned_little_endian(take(4))))); break;
      case 0x8c: push(text(ValueKind::string, take(unsigned_little_endian(take(1))))); break;
      case 0x8d: push(text(ValueKind::string, take(unsigned_little_endian(take(8))))); break;
      case 'T': push(text(ValueKind::string, take(unsigned_little_endian(take(4))))); break;
      case 'U': push(text(ValueKind::string, take(unsigned_little_endian(take(1))))); break;
      case 'B': push(text(ValueKind::bytes, take(unsigned_little_endian(take(4))))); break;
      case 'C': push(text(ValueKind::bytes, take(unsigned_little_endian(take(1))))); break;
      case 0x8e: push(text(ValueKind::bytes, take(unsigned_little_endian(take(8))))); break;
      case 0x96: push(text(ValueKind::bytes, take(unsigned_little_endian(take(8))))); break;
      case ')': push(make_value(ValueKind::tuple)); break;
      case 't': push(sequence(ValueKind::tuple, pop_mark())); break;
      case 0x85: push(sequence(ValueKind::tuple, pop_values(1))); break;
      case 0x86: push(sequence(ValueKind::tuple, pop_values(2))); break;
      case 0x87: push(sequence(ValueKind::tuple, pop_values(3))); break;
      case ']': push(make_value(ValueKind::list)); break;
      case 'l': push(sequence(ValueKind::list, pop_mark())); break;
      case 'a': append(pop_values(1)); break;
      case 'e': append(pop_mark()); break;
      case '}': push(make_value(ValueKind::dict)); break;
      case 'd': push(dict_of(pop_mark())); break;
      case 's': set_items(pop_values(2)); break;
      case 'u': set_items(pop_mark()); break;
      case 0x8f: push(make_value(ValueKind::set)); break;
      case 0x90: add_items(pop_mark()); break;
      case 0x91: push(sequence(ValueKind::set, pop_mark())); break;
      case 'h': push(memo_get(unsigned_little_endian(take(1)))); break;
      case 'j': push(memo_get(unsigned_little_endian(take(4)))); break;
      case 'q': memo_[unsigned_little_endian(take(1))] = top(); break;
      case 'r': memo_[unsigned_little_endian(take(4))] = top(); break;
      case 0x94: memo_[memo_.size()] = top(); break;
      case 'c': global_by_line(); break;
      case 0x93: stack_global(); break;
      case 'R': reduce(); break;
      case 0x81: new_object(false); break;
      case 0x92: new_object(true); break;
      case 'b': build(); break;
      case 'Q': push(persistent_load_(*pop())); break;
      default:
        throw corrupt(fmt::format("unsupported opcode 0x{:02x}{}", opcode,
                                  opcode >= 0x20 && opcode < 0x7f ? fmt::format(" ('{}')", char(opcode)) : ""));
    }
  }

  Error corrupt(const std::string& what) const {
    return Error(fmt::format("{}: corrupt pickle at byte {}: {}", where_, opcode_at_, what));
  }

  std::string_view take(uint64_t count) {
    if (at_ > bytes_.size() || count > bytes_.size() - at_)
      throw Error(fmt::format("{}: truncated: the pickle ends at byte {}, inside the opcode at byte {} (needs {} bytes, "
                              "{} left)",
                              where_, bytes_.size(), opcode_at_, count, bytes_.size() - at_));
    std::string_view taken = bytes_.substr(at_, count);
    at_ += count;
    return taken;
  }

  std::string line() {
    const size_t end = bytes_.find('\n', at_);
    std::string text(take((end == std::string_view::npos ? bytes_.size() : end) - at_));
    take(1);  // the newline
    return text;
  }

  static uint64_t unsigned_little_endian(std::string_view bytes) {
    uint64_t value = 0;
    for (size_t i = bytes.size(); i-- > 0;) value = (value << 8) | static_cast<uint8_t>(bytes[i]);
    return value;
  }

  static int64_t signed_little_endian(std::string_view bytes) {
    const uint64_t value = unsigned_little_endian(bytes);
    const int bits = int(bytes.size()) * 8;
    if (bits == 64 || bits == 0) return static_cast<int64_t>(value);
    const uint64_t sign = uint64_t(1) << (bits - 1);
    return static_cast<int64_t>((value ^ sign) - sign);
  }

  static ValuePtr boolean(bool b) {
    ValuePtr value = make_value(ValueKind::boolean);
    value->boolean = b;
    return value;
  }

  static ValuePtr integer(int64_t i) {
    ValuePtr value = make_value(ValueKind::integer);
    value->integer = i;
    return value;
  }

  static ValuePtr long_integer(std::string_view bytes) {
    if (bytes.size() <= 8) return integer(signed_little_endian(bytes));
    return text(ValueKind::big_integer, bytes);
  }

  static ValuePtr binary_float(std::string_view big_endian) {
    uint64_t bits = 0;
    for (char byte : big_endian) bits = (bits << 8) | static_cast<uint8_t>(byte);
    ValuePtr value = make_value(ValueKind::floating);
    std::memcpy(&value->floating, &bits, sizeof bits);
    return value;
  }

  static ValuePtr text(ValueKind kind, std::string_view bytes) {
    ValuePtr value = make_value(kind);
    value->text = std::string(bytes);
    return value;
  }

  static ValuePtr sequence(ValueKind kind, std::vector<ValuePtr> items) {
    ValuePtr value = make_value(kind);
    value->items = std::move(items);
    return value;
  }

  void protocol() {
    const uint64_t version = unsigned_little_endian(take(1));
    if (version > kHighestProtocol) throw corrupt(fmt::format("pickle protocol {} is newer than {}", version, kHighestProtocol));
  }

  void push(ValuePtr value) { stack_.push_back(std::move(value)); }

  const ValuePtr& top() const {
    if (stack_.size() <= stack_floor()) throw corrupt("the stack is empty");
    return stack_.back();
  }

  ValuePtr pop() {
    ValuePtr value = top();
    stack_.pop_back();
    return value;
  }

  std::vector<ValuePtr> pop_values(size_t count) {
    if (stack_.size() < stack_floor() + count) throw corrupt(fmt::format("needs {} values on the stack", count));
    std::vector<ValuePtr> values(stack_.end() - count, stack_.end());
    stack_.resize(stack_.size() - count);
    return values;
  }

  std::vector<ValuePtr> pop_mark() {
    if (marks_.empty()) throw corrupt("no mark on the stack");
    std::vector<ValuePtr> values(stack_.begin() + marks_.back(), stack_.end());
    stack_.resize(marks_.back());
    marks_.pop_back();
    return values;
  }

  size_t stack_floor() const { return marks_.empty() ? 0 : marks_.back(); }

  const ValuePtr& memo_get(uint64_t index) const {
    auto it = memo_.find(index);
    if (it == memo_.end()) throw corrupt(fmt::format("memo entry {} was never stored", index));
    return it->second;
  }

  void append(std::vector<ValuePtr> values) {
    const ValuePtr& target = top();
    if (target->kind != ValueKind::list && target->kind != ValueKind::object)
      throw corrupt("APPEND to " + describe(*target));
    for (auto& value : values) target->items.push_back(std::move(value));
  }

  void add_items(std::vector<ValuePtr> values) {
    const ValuePtr& target = top();
    if (target->kind != ValueKind::set) throw corrupt("ADDITEMS to " + describe(*target));
    for (auto& value : values) target->items.push_back(std::move(value));
  }

  void set_items(const std::vector<ValuePtr>& keys_and_values) {
    const ValuePtr& target = top();
    if (target->kind != ValueKind::dict && target->kind != ValueKind::object)
      throw corrupt("SETITEM on " + describe(*target));
    if (keys_and_values.size() % 2 != 0) throw corrupt("SETITEMS with an odd number of values");
    for (size_t i = 0; i < keys_and_values.size(); i += 2) target->set_item(keys_and_values[i], keys_and_values[i + 1]);
  }

  ValuePtr dict_of(const std::vector<ValuePtr>& keys_and_values) {
    ValuePtr dict = make_value(ValueKind::dict);
    if (keys_and_values.size() % 2 != 0) throw corrupt("DICT with an odd number of values");
    for (size_t i = 0; i < keys_and_values.size(); i += 2) dict->set_item(keys_and_values[i], keys_and_values[i + 1]);
    return dict;
  }

  void global_by_line() {
    const std::string module = line();
    push(resolve_global(module, line(), where_));
  }

  void stack_global() {
    const ValuePtr name = pop(), module = pop();
    if (module->kind != ValueKind::string || name->kind != ValueKind::string)
      throw corrupt("STACK_GLOBAL needs two strings, got " + describe(*module) + " and " + describe(*name));
    push(resolve_global(module->text, name->text, where_));
  }

  // Pops the function or class a call opcode calls, and its argument tuple.
  std::pair<ValuePtr, ValuePtr> pop_call(const char* opcode) {
    const ValuePtr arguments = pop(), function = pop();
    if (function->kind != ValueKind::global)
      throw corrupt(fmt::format("{} calls {}, which is not a class or function the pickle named", opcode,
                                describe(*function)));
    if (arguments->kind != ValueKind::tuple)
      throw corrupt(fmt::format("{} calls {} with {}", opcode, function->text, describe(*arguments)));
    return {function, arguments};
  }

  void reduce() {
    const auto [function, arguments] = pop_call("REDUCE");
    push(call(*function, arguments->items));
  }

  void new_object(bool with_keywords) {
    if (with_keywords) pop();
    const auto [cls, arguments] = pop_call("NEWOBJ");
    if (cls->role == GlobalRole::ordered_dict) return push(make_value(ValueKind::dict));
    if (cls->role != GlobalRole::inert) throw corrupt("NEWOBJ on " + cls->text);
    push(placeholder(cls->text, arguments->items));
  }

  void build() {
    ValuePtr state = pop();
    const ValuePtr& target = top();
    if (target->kind != ValueKind::object && target->kind != ValueKind::dict)
      throw corrupt("BUILD on " + describe(*target));
    target->state = std::move(state);
  }

  static ValuePtr placeholder(const std::string& cls, std::vector<ValuePtr> arguments) {
    ValuePtr object = make_value(ValueKind::object);
    object->text = cls;
    object->items = std::move(arguments);
    return object;
  }

  ValuePtr call(const Value& function, const std::vector<ValuePtr>& arguments) {
    switch (function.role) {
      case GlobalRole::ordered_dict: return ordered_dict(arguments);
      case GlobalRole::rebuild_tensor: return rebuild_tensor(arguments);
      case GlobalRole::rebuild_parameter:
        if (arguments.empty() || arguments[0]->kind != ValueKind::tensor)
          throw corrupt(function.text + " without a tensor as its first argument");
        return arguments[0];
      case GlobalRole::storage_type: throw corrupt("REDUCE calls " + function.text);
      case GlobalRole::inert: break;
    }
    const bool reconstructor = function.text == "copyreg._reconstructor" && !arguments.empty() &&
                               arguments[0]->kind == ValueKind::global;
    return placeholder(reconstructor ? arguments[0]->text : function.text, arguments);
  }

  ValuePtr ordered_dict(const std::vector<ValuePtr>& arguments) {
    ValuePtr dict = make_value(ValueKind::dict);
    if (arguments.empty()) return dict;
    if (arguments.size() != 1 || (arguments[0]->kind != ValueKind::list && arguments[0]->kind != ValueKind::tuple))
      throw corrupt("collections.OrderedDict with arguments other than a list of pairs");
    for (const auto& pair : arguments[0]->items) {
      if (pair->items.size() != 2) throw corrupt("collections.OrderedDict with an item that is not a pair");
      dict->set_item(pair->items[0], pair->items[1]);
    }
    return dict;
  }

  std::vector<int64_t> integers(const ValuePtr& tuple, const char* what) const {
    if (tuple->kind != ValueKind::tuple) throw corrupt(fmt::format("tensor {} is {}, not a tuple", what, describe(*tuple)));
    std::vector<int64_t> values;
    for (const auto& item : tuple->items) {
      if (item->kind != ValueKind::integer) throw corrupt(fmt::format("tensor {} holds {}", what, describe(*item)));
      values.push_back(item->integer);
    }
    return values;
  }

  // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]);
  // _rebuild_tensor(storage, storage_offset, size, stride).
  ValuePtr rebuild_tensor(const std::vector<ValuePtr>& arguments) {
    if (arguments.size() < 4) throw corrupt(fmt::format("a tensor rebuilt from {} arguments", arguments.size()));
    if (arguments[0]->kind != ValueKind::storage) throw corrupt("a tensor rebuilt from " + describe(*arguments[0]));
    if (arguments[1]->kind != ValueKind::integer) throw corrupt("a tensor with storage offset " + describe(*arguments[1]));
    auto record = std::make_shared<TensorRecord>();
    record->storage = arguments[0]->storage;
    record->storage_offset = arguments[1]->integer;
    record->sizes = integers(arguments[2], "size");
    record->strides = integers(arguments[3], "stride");
    if (record->sizes.size() != record->strides.size())
      throw corrupt(fmt::format("a tensor with {} sizes and {} strides", record->sizes.size(), record->strides.size()));
    tensors_.push_back(record);
    ValuePtr value = make_value(ValueKind::tensor);
    value->tensor = std::move(record);
    return value;
  }

  std::string_view bytes_;
  size_t at_, opcode_at_ = 0;
  const std::string& where_;
  const PersistentLoad& persistent_load_;
  std::vector<ValuePtr> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, ValuePtr> memo_;
  std::vector<std::shared_ptr<TensorRecord>> tensors_;
};

}  // namespace

Unpickled unpickle(std::string_view bytes, size_t start, const std::string& where,
                   const PersistentLoad& persistent_load) {
  return RestrictedUnpickler(bytes, start, where, persistent_load).run();
}

}  // namespace mmkd::pickle
