#pragma once
// sources/helm/template/value.h: the dynamic values templates compute with, reproducing the Go
// types that change Helm's output: int, int64 and float64 print and compare differently; a map
// iterates in sorted key order; []string and []interface{} print alike but differ for typeOf.
// Lists and maps are shared by reference, as Go's slices and maps are (sprig's `set` mutates
// the dict it is given). A []byte (what .Files.GetBytes returns) is its own kind: Go prints it as a
// list of numbers, encoding/json as base64, and sprig's strval as the text.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace converge::sources::helm::tmpl {

class Value;

// The methods of a Go named type Helm puts in the dot (engine.files, common.VersionSet,
// common.KubeVersion). Templates call them like fields (`.Files.Get "x"`), typeOf prints the
// type's name, and a String method replaces %v printing, as Go's fmt.Stringer does.
//
// A Go struct (common.KubeVersion, version.BuildInfo, *common.Capabilities) is a map of its
// fields whose type lists them: fmt prints them in declaration order ("{a b}", with %+v
// "{Name:a Other:b}"), encoding/json writes the exported ones in that order under their JSON
// names, and kindOf says "struct" ("ptr" for a pointer to one).
class Methods {
 public:
  struct Field {
    std::string_view name;       // the map key holding the field
    std::string_view json_name;  // "" for an unexported field
  };

  virtual ~Methods() = default;
  virtual std::string_view TypeName() const = 0;
  virtual bool Has(std::string_view method) const = 0;
  // REQUIRES: Has(method). An error is the method's own message.
  virtual Result<Value> Call(std::string_view method, const Value& self,
                             const std::vector<Value>& args) const = 0;
  // nullopt when the type has no String method.
  virtual std::optional<std::string> String(const Value& self) const;
  // True when String has a pointer receiver and the value is held by value: fmt never calls
  // it, and a template only when printing a value it reached through a pointer, which is what
  // printing `.Capabilities.KubeVersion` does (see PrintDirect).
  virtual bool StringNeedsAddress() const { return false; }
  // The fields of a struct type; empty for other types.
  virtual std::span<const Field> Fields() const { return {}; }
  // A pointer to a struct: fmt prints "&{…}" at the top level.
  virtual bool IsPointer() const { return false; }
};

// The Go type of a slice's or map's elements where it is not interface{}.
// kValues is Helm's common.Values: a map[string]interface{} under its own type name, which
// typeOf prints and type assertions (sprig's dig) refuse.
// kCertificate is Sprig's struct certificate{Cert, Key string}: the map holds those two fields,
// prints as a struct and is accepted only where Go takes that struct. kTime is Go's time.Time,
// held as a map of its parts (see gotime.h) and printed, compared and encoded as Go does.
enum class ElemType : uint8_t { kAny, kString, kInt, kList, kValues, kCertificate, kTime };

struct ListData {
  std::vector<Value> items;
  ElemType elem = ElemType::kAny;
  std::shared_ptr<const Methods> methods;
};

struct MapData {
  using Entries = std::map<std::string, Value, std::less<>>;
  Entries entries;
  ElemType elem = ElemType::kAny;
  std::shared_ptr<const Methods> methods;
};

class Value {
 public:
  // kUint8 is Go's uint8 (byte): what indexing or ranging over a []byte or string gives.
  enum class Kind : uint8_t {
    kNil,
    kBool,
    kInt,
    kInt64,
    kUint8,
    kFloat64,
    kString,
    kBytes,
    kList,
    kMap
  };

  Value() = default;
  static Value Bool(bool value);
  static Value Int(int64_t value);    // Go int
  static Value Int64(int64_t value);  // Go int64
  static Value Uint8(uint8_t value);  // Go uint8
  static Value Float(double value);
  static Value String(std::string value);
  static Value Bytes(std::string data);  // Go []byte
  static Value Bytes(std::shared_ptr<const std::string> data);
  static Value List(std::vector<Value> items = {}, ElemType elem = ElemType::kAny);
  static Value Map(ElemType elem = ElemType::kAny);
  static Value StringList(const std::vector<std::string>& items);

  Kind kind() const { return kind_; }
  bool IsNil() const { return kind_ == Kind::kNil; }
  // Go's signed integers (int, int64), which most functions accept; uint8 is not one.
  bool IsInteger() const { return kind_ == Kind::kInt || kind_ == Kind::kInt64; }
  bool IsNumber() const { return IsInteger() || kind_ == Kind::kFloat64; }

  // REQUIRES: the matching kind.
  bool bool_value() const { return bool_; }
  int64_t int_value() const { return int_; }
  double float_value() const { return float_; }
  const std::string& string_value() const { return *string(); }
  const std::string& bytes_value() const { return *string(); }
  const std::vector<Value>& list() const { return list_data()->items; }
  std::vector<Value>& mutable_list() const { return list_data()->items; }
  ElemType elem() const { return kind_ == Kind::kList ? list_data()->elem : map_data()->elem; }
  // A list or map whose elements are interface{} values.
  bool HoldsInterfaces() const { return elem() == ElemType::kAny || elem() == ElemType::kValues; }
  const MapData::Entries& map() const { return map_data()->entries; }
  MapData::Entries& mutable_map() const { return map_data()->entries; }

  // The Go named type's methods of a list or map; nullptr for plain values.
  const Methods* methods() const;
  // REQUIRES: a list or map.
  void set_methods(std::shared_ptr<const Methods> methods) const;

  // Whether the value was read out of an interface{} container (a map or list element) and not
  // yet passed through a pipeline. Go's messages name such a value's type "interface {}", and a
  // nil read so differs from a nil pipeline result (an invalid reflect.Value).
  bool boxed() const { return boxed_; }
  void set_boxed(bool boxed) { boxed_ = boxed; }

  // The same list or map object (Go reference identity).
  bool SameObject(const Value& other) const;

  // The struct fields of a map of a Go struct type; empty for anything else.
  std::span<const Methods::Field> StructFields() const;

  // Go's type name as %T prints it: "int", "float64", "[]interface {}",
  // "map[string]interface {}", "<nil>".
  std::string TypeName() const;
  // reflect.Kind's name: "int", "float64", "slice", "map", "invalid".
  std::string_view KindName() const;

  // Go template truthiness: false, 0, nil and empty strings, lists and maps are false.
  bool Truth() const;

  // A copy that shares nothing mutable with this value.
  Value DeepCopy() const;

  // The value encoding/json would see (floats stay floats, ints stay ints).
  nlohmann::json ToJson() const;
  // Values as Helm reads them from YAML or JSON: every number becomes float64.
  static Value FromJson(const nlohmann::json& json);

 private:
  Kind kind_ = Kind::kNil;
  bool boxed_ = false;
  bool bool_ = false;
  int64_t int_ = 0;
  double float_ = 0;
  // The string, ListData or MapData, by kind_: one pointer keeps a Value small and a copy to
  // one reference count, which matters as dot, variables and arguments are passed by value.
  std::shared_ptr<void> data_;

  const std::string* string() const { return static_cast<const std::string*>(data_.get()); }
  ListData* list_data() const { return static_cast<ListData*>(data_.get()); }
  MapData* map_data() const { return static_cast<MapData*>(data_.get()); }
};

}  // namespace converge::sources::helm::tmpl
