#pragma once
// Components by kind and type name, each with the library it came from.
#include <mmkd/component.hpp>
#include <mmkd/error.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace mmkd {

class Registry {
 public:
  using Factory = std::function<std::shared_ptr<void>(const Options&, const Context&)>;

  struct Entry {
    std::shared_ptr<void> library_handle;  // first member, destroyed last: keeps the library's code loaded
    Kind kind;
    ComponentInfo info;
    Factory factory;      // returns a shared_ptr to the kind's base class
    std::string library;  // path of the library that registered it
  };

  // Register component class T: derived from a kind base class, with a static
  // `ComponentInfo info()` and a constructor `T(const Options&, const Context&)`.
  template <class T>
  void add() {
    constexpr Kind kind = kind_of<T>();
    using Base = typename KindBase<kind>::type;
    add(kind, T::info(), [](const Options& options, const Context& context) -> std::shared_ptr<void> {
      std::shared_ptr<Base> object = std::make_shared<T>(options, context);
      return object;
    });
  }

  // Throws mmkd::Error naming both libraries when kind/type is already registered.
  void add(Kind kind, ComponentInfo info, Factory factory);

  const Entry* find(Kind kind, const std::string& type) const;
  std::vector<const Entry*> entries(Kind kind) const;  // sorted by type
  std::vector<std::string> types(Kind kind) const;

  // Create a component; the returned pointer also keeps its library loaded.
  template <Kind K>
  std::shared_ptr<typename KindBase<K>::type> create(const Entry& entry, const Options& options,
                                                     const Context& context) const {
    using Base = typename KindBase<K>::type;
    if (entry.kind != K) throw Error(std::string("component ") + entry.info.type + " is not a " + kind_name(K));
    auto object = std::static_pointer_cast<Base>(entry.factory(options, context));
    struct Holder {
      std::shared_ptr<void> library;
      std::shared_ptr<Base> object;
    };
    auto holder = std::make_shared<Holder>(Holder{entry.library_handle, object});
    return std::shared_ptr<Base>(holder, object.get());
  }

  // Used by the plugin loader around a library's registration function.
  void begin_library(std::string path, std::shared_ptr<void> handle);
  void end_library();

 private:
  std::vector<Entry> entries_;
  std::string current_library_ = "libmmkd";
  std::shared_ptr<void> current_handle_;
};

}  // namespace mmkd
