#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <span>
#include <utility>

#include "sources/helm/template/fmt.h"
#include "sources/helm/template/funcs/funcs.h"
#include "sources/helm/template/parse.h"
#include "sources/helm/template/template.h"

namespace converge::sources::helm::tmpl {
namespace {

// The random source of one Execute call, seeded when a function first draws from it: opening
// the system's source for every executed file cost more than most templates' own work.
class LazyRandom {
 public:
  explicit LazyRandom(std::optional<uint64_t> seed) : seed_(seed) {}

  std::mt19937_64& Get() {
    if (!engine_) engine_.emplace(seed_ ? *seed_ : SystemSeed());
    return *engine_;
  }

 private:
  static uint64_t SystemSeed() {
    std::random_device device;
    return (static_cast<uint64_t>(device()) << 32) ^ device();
  }

  std::optional<uint64_t> seed_;
  std::optional<std::mt19937_64> engine_;
};

// Execution errors unwind to Execute() as this private type, as Go's executor panics and
// recovers; it never leaves this file.
struct ExecError {
  std::string message;
};

// {{break}} and {{continue}} unwind to the enclosing range.
enum class Flow { kNormal, kBreak, kContinue };

constexpr int kMaxExecDepth = 100000;

using TreeMap = std::map<std::string, std::shared_ptr<const Tree>, std::less<>>;

std::string_view ParamTypeName(char param) {
  switch (param) {
    case 's':
      return "string";
    case 'i':
      return "int";
    case 'I':
      return "int64";
    case 'u':
      return "uint32";
    case 'f':
      return "float64";
    case 'b':
      return "bool";
    case 'm':
      return "map[string]interface {}";
    case 'l':
      return "[]interface {}";
    case 'c':
      return "sprig.certificate";
    case 't':
      return "time.Time";
    case 'r':
      return "reflect.Value";
    default:
      return "interface {}";
  }
}

bool Matches(char param, const Value& value) {
  switch (param) {
    case 's':
      return value.kind() == Value::Kind::kString;
    case 'i':
      return value.kind() == Value::Kind::kInt;
    case 'I':
      return value.kind() == Value::Kind::kInt64;
    case 'f':
      return value.kind() == Value::Kind::kFloat64;
    case 'b':
      return value.kind() == Value::Kind::kBool;
    case 'm':
      // Helm's named map types (engine.files holds []byte) are not map[string]interface{}.
      return value.kind() == Value::Kind::kMap && value.HoldsInterfaces() &&
             value.methods() == nullptr;
    case 'l':
      return value.kind() == Value::Kind::kList && value.HoldsInterfaces();
    case 'c':
      return value.kind() == Value::Kind::kMap && value.elem() == ElemType::kCertificate;
    case 't':
      return value.kind() == Value::Kind::kMap && value.elem() == ElemType::kTime;
    case 'u':
      return false;
    default:
      return true;
  }
}

class Executor : public Call {
 public:
  Executor(const TemplateSet& set, Memo& memo, LazyRandom& random, std::string& out)
      : set_(set), memo_(memo), random_(random), out_(&out) {}

  // Executes `tree` with a scope of its own holding only $, as Go's template calls do.
  void Run(const Tree& tree, const Value& data) {
    const Tree* saved_tree = std::exchange(tree_, &tree);
    size_t saved_scope = std::exchange(scope_, vars_.size());
    vars_.push_back({"$", data});
    if (++depth_ > kMaxExecDepth) {
      Errorf("exceeded maximum template depth (" + std::to_string(kMaxExecDepth) + ")");
    }
    Walk(data, *tree.root);
    --depth_;
    vars_.resize(scope_);
    scope_ = saved_scope;
    tree_ = saved_tree;
  }

  const Tree* Find(std::string_view name) const {
    for (auto it = overlays_.rbegin(); it != overlays_.rend(); ++it) {
      auto found = it->find(name);
      if (found != it->end()) return found->second.get();
    }
    auto found = set_.templates().find(name);
    return found == set_.templates().end() ? nullptr : found->second.get();
  }

  Result<std::string> Include(const std::string& name, const Value& data) override {
    int& count = include_counts_[name];
    if (count > set_.options().max_include_depth) {
      return Status::Invalid("rendering template has a nested reference name: " + name +
                             ": unable to execute template");
    }
    const Tree* tree = Find(name);
    if (tree == nullptr) {
      return Status::Invalid("template: no template " + GoQuote(name) +
                             " associated with template \"gotpl\"");
    }
    ++count;
    Result<std::string> result = Capture(*tree, data);
    --count;
    return result;
  }

  // Helm 4 parses tpl text as a template named "gotpl" in a clone of the whole set.
  Result<std::string> Tpl(const std::string& text, const Value& data) override {
    const std::string name = "gotpl";
    Result<std::vector<std::unique_ptr<Tree>>> trees = Parse(name, text, &FindFunction);
    if (!trees.ok()) {
      return Status::Invalid("cannot parse template " + GoQuote(text) + ": " +
                             trees.status().message());
    }
    TreeMap overlay;
    // Go executes the tree just parsed even when it is empty and so not installed under its
    // name (an outer tpl's tree keeps the name).
    std::shared_ptr<const Tree> own;
    for (auto& tree : *trees) {
      std::string tree_name = tree->name;
      std::shared_ptr<const Tree> parsed(std::move(tree));
      if (tree_name == name) own = parsed;
      if (Find(tree_name) != nullptr && IsEmptyTree(*parsed->root)) continue;
      overlay[tree_name] = std::move(parsed);
    }
    overlays_.push_back(std::move(overlay));
    Result<std::string> result = Capture(own != nullptr ? *own : *Find(name), data);
    overlays_.pop_back();
    if (!result.ok()) {
      return Status::Invalid("error during tpl function execution for " + GoQuote(text) + ": " +
                             result.status().message());
    }
    return StripNoValue(std::move(*result));
  }

  std::mt19937_64& Random() override { return random_.Get(); }

  Memo& memo() override { return memo_; }

 private:
  struct Variable {
    std::string_view name;  // views the parse tree's text, or a literal
    Value value;
  };

  // Runs `tree` into a buffer of its own; an error stops only this run, whose state is undone.
  Result<std::string> Capture(const Tree& tree, const Value& data) {
    std::string buffer;
    std::string* saved_out = std::exchange(out_, &buffer);
    const Tree* saved_tree = tree_;
    // A nested run reports an error before its first node without one, as Go's does.
    const Node* saved_node = std::exchange(node_, nullptr);
    size_t saved_scope = scope_;
    size_t saved_vars = vars_.size();
    int saved_depth = depth_;
    std::optional<std::string> error;
    try {
      Run(tree, data);
    } catch (ExecError& thrown) {
      error = std::move(thrown.message);
    }
    out_ = saved_out;
    tree_ = saved_tree;
    node_ = saved_node;
    scope_ = saved_scope;
    vars_.resize(saved_vars);
    depth_ = saved_depth;
    if (error) return Status::Invalid(*error);
    return buffer;
  }

  [[noreturn]] void Errorf(const std::string& message) {
    std::string prefix = "template: ";
    if (node_ == nullptr) {
      throw ExecError{prefix + tree_->name + ": " + message};
    }
    const std::string& text = tree_->source->text;
    size_t pos = std::min(node_->pos, text.size());
    size_t line_start = text.rfind('\n', pos == 0 ? 0 : pos - 1);
    int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + pos, '\n'));
    size_t column = line_start == std::string::npos || pos == 0 ? pos : pos - line_start - 1;
    // Go 1.25 prints the whole node, where older releases cut it at 20 runes.
    throw ExecError{prefix + tree_->parse_name + ":" + std::to_string(line) + ":" +
                    std::to_string(column) + ": executing " + GoQuote(tree_->name) + " at <" +
                    node_->String() + ">: " + message};
  }

  void At(const Node& node) { node_ = &node; }

  Flow Walk(const Value& dot, const Node& node) {
    At(node);
    switch (node.type) {
      case NodeType::kAction: {
        Value value = EvalPipeline(dot, *node.pipe);
        if (node.pipe->decls.empty()) PrintValue(value);
        return Flow::kNormal;
      }
      case NodeType::kBreak:
        return Flow::kBreak;
      case NodeType::kContinue:
        return Flow::kContinue;
      case NodeType::kIf:
      case NodeType::kWith:
        return WalkIfOrWith(dot, node);
      case NodeType::kList:
        for (const Node* child : node.children) {
          Flow flow = Walk(dot, *child);
          if (flow != Flow::kNormal) return flow;
        }
        return Flow::kNormal;
      case NodeType::kRange:
        return WalkRange(dot, node);
      case NodeType::kTemplate:
        WalkTemplate(dot, node);
        return Flow::kNormal;
      case NodeType::kText:
        *out_ += node.text;
        return Flow::kNormal;
      default:
        return Flow::kNormal;
    }
  }

  void PrintValue(const Value& value) {
    if (value.IsNil()) {
      *out_ += "<no value>";
      return;
    }
    AppendDirect(*out_, value);
  }

  Flow WalkIfOrWith(const Value& dot, const Node& node) {
    size_t mark = vars_.size();
    Value value = EvalPipeline(dot, *node.pipe);
    Flow flow = Flow::kNormal;
    if (value.Truth()) {
      flow = Walk(node.type == NodeType::kWith ? value : dot, *node.list);
    } else if (node.else_list) {
      flow = Walk(dot, *node.else_list);
    }
    vars_.resize(mark);
    return flow;
  }

  Flow WalkRange(const Value& dot, const Node& node) {
    At(node);
    size_t outer_mark = vars_.size();
    Value value = EvalPipeline(dot, *node.pipe);
    size_t mark = vars_.size();
    const Node& pipe = *node.pipe;
    bool ran = false;
    auto iteration = [&](const Value& index, const Value& element) {
      if (!pipe.decls.empty()) {
        if (pipe.is_assign) {
          SetVar(pipe.decls[0]->idents[0], pipe.decls.size() > 1 ? index : element);
        } else {
          vars_[vars_.size() - 1].value = element;
        }
      }
      if (pipe.decls.size() > 1) {
        if (pipe.is_assign) {
          SetVar(pipe.decls[1]->idents[0], element);
        } else {
          vars_[vars_.size() - 2].value = index;
        }
      }
      Flow flow = Walk(element, *node.list);
      vars_.resize(mark);
      return flow;
    };
    if (value.kind() == Value::Kind::kBytes) value = Value::List(ByteList(value), ElemType::kInt);
    switch (value.kind()) {
      case Value::Kind::kList: {
        std::vector<Value> items = value.list();
        for (size_t i = 0; i < items.size(); ++i) {
          ran = true;
          items[i].set_boxed(value.HoldsInterfaces());
          if (iteration(Value::Int(static_cast<int64_t>(i)), items[i]) == Flow::kBreak) break;
        }
        break;
      }
      case Value::Kind::kMap: {
        std::vector<std::pair<std::string, Value>> entries(value.map().begin(), value.map().end());
        for (auto& [key, item] : entries) {
          ran = true;
          item.set_boxed(value.HoldsInterfaces());
          if (iteration(Value::String(key), item) == Flow::kBreak) break;
        }
        break;
      }
      case Value::Kind::kInt:
      case Value::Kind::kInt64:
      case Value::Kind::kUint8: {
        if (pipe.decls.size() > 1) {
          At(node);
          Errorf("can't use " + FormatValue(value) + " to iterate over more than one variable");
        }
        for (int64_t i = 0; i < value.int_value(); ++i) {
          ran = true;
          Value element = value.kind() == Value::Kind::kInt ? Value::Int(i)
                          : value.kind() == Value::Kind::kInt64
                              ? Value::Int64(i)
                              : Value::Uint8(static_cast<uint8_t>(i));
          if (iteration(Value(), element) == Flow::kBreak) break;
        }
        break;
      }
      case Value::Kind::kNil:
        break;
      default:
        At(node);
        Errorf("range can't iterate over " + FormatValue(value));
    }
    if (!ran && node.else_list) Walk(dot, *node.else_list);
    vars_.resize(outer_mark);
    return Flow::kNormal;
  }

  void WalkTemplate(const Value& dot, const Node& node) {
    At(node);
    const Tree* tree = Find(node.text);
    if (tree == nullptr) Errorf("template " + GoQuote(node.text) + " not defined");
    Value data = node.pipe ? EvalPipeline(dot, *node.pipe) : Value();
    const Node* saved_node = node_;
    Run(*tree, data);
    node_ = saved_node;
  }

  void SetVar(std::string_view name, const Value& value) {
    for (size_t i = vars_.size(); i > scope_; --i) {
      if (vars_[i - 1].name == name) {
        vars_[i - 1].value = value;
        return;
      }
    }
    Errorf("undefined variable: " + std::string(name));
  }

  const Value& VarValue(std::string_view name) {
    for (size_t i = vars_.size(); i > scope_; --i) {
      if (vars_[i - 1].name == name) return vars_[i - 1].value;
    }
    Errorf("undefined variable: " + std::string(name));
  }

  Value EvalPipeline(const Value& dot, const Node& pipe) {
    At(pipe);
    Value value;
    bool has_final = false;
    for (const Node* command : pipe.children) {
      value = EvalCommand(dot, *command, has_final ? &value : nullptr);
      has_final = true;
      value.set_boxed(false);
    }
    for (const Node* variable : pipe.decls) {
      if (pipe.is_assign) {
        SetVar(variable->idents[0], value);
      } else {
        vars_.push_back({variable->idents[0], value});
      }
    }
    return value;
  }

  static Value Unboxed(Value value) {
    value.set_boxed(false);
    return value;
  }

  void NotAFunction(const Node& command, const Value* final) {
    if (command.children.size() > 1 || final != nullptr) {
      Errorf("can't give argument to non-function " + command.children[0]->String());
    }
  }

  Value EvalCommand(const Value& dot, const Node& command, const Value* final) {
    const Node& first = *command.children[0];
    switch (first.type) {
      case NodeType::kField:
        At(first);
        return EvalFieldChain(dot, dot, first, first.idents, &command, final);
      case NodeType::kChain:
        return EvalChain(dot, first, &command, final);
      case NodeType::kIdentifier:
        return EvalFunction(dot, first, command, &command, final);
      case NodeType::kPipe:
        NotAFunction(command, final);
        return EvalPipeline(dot, first);
      case NodeType::kVariable:
        return EvalVariable(dot, first, &command, final);
      default:
        break;
    }
    At(first);
    NotAFunction(command, final);
    switch (first.type) {
      case NodeType::kBool:
        return Value::Bool(first.bool_value);
      case NodeType::kDot:
        return dot;
      case NodeType::kNil:
        Errorf("nil is not a command");
      case NodeType::kNumber:
        return IdealConstant(first);
      case NodeType::kString:
        return *first.constant;
      default:
        Errorf("can't evaluate command " + GoQuote(first.String()));
    }
  }

  Value IdealConstant(const Node& number) {
    At(number);
    std::string_view text = number.text;
    bool is_hex_int = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X') &&
                      text.find_first_of("pP") == std::string_view::npos;
    bool is_rune = !text.empty() && text[0] == '\'';
    if (number.is_float && !is_hex_int && !is_rune &&
        text.find_first_of(".eEpP") != std::string_view::npos) {
      return Value::Float(number.float_value);
    }
    if (number.is_int) return Value::Int(number.int_value);
    if (number.is_uint) Errorf(std::string(text) + " overflows int");
    return Value();
  }

  Value EvalChain(const Value& dot, const Node& chain, const Node* command, const Value* final) {
    At(chain);
    const Node& operand = *chain.children[0];
    if (operand.type == NodeType::kNil) {
      Errorf("indirection through explicit nil in " + chain.String());
    }
    Value receiver = EvalArg(dot, 'a', operand);
    return EvalFieldChain(dot, receiver, chain, chain.idents, command, final);
  }

  Value EvalVariable(const Value& dot, const Node& variable, const Node* command,
                     const Value* final) {
    At(variable);
    Value value = VarValue(variable.idents[0]);
    if (variable.idents.size() == 1) {
      if (command != nullptr) NotAFunction(*command, final);
      return value;
    }
    return EvalFieldChain(dot, value, variable, std::span(variable.idents).subspan(1), command,
                          final);
  }

  Value EvalFieldChain(const Value& dot, Value receiver, const Node& node,
                       std::span<const std::string_view> idents, const Node* command,
                       const Value* final) {
    for (size_t i = 0; i < idents.size(); ++i) {
      bool last = i + 1 == idents.size();
      bool has_args =
          last && ((command != nullptr && command->children.size() > 1) || final != nullptr);
      const Methods* named = receiver.methods();
      bool named_method = named != nullptr && named->Has(idents[i]);
      if (named_method || (receiver.kind() == Value::Kind::kMap &&
                           receiver.elem() == ElemType::kValues && IsValuesMethod(idents[i]))) {
        // Named types' methods check their own argument types (semver's Compare takes a
        // version); common.Values' methods take strings.
        char param = named_method ? 'a' : 's';
        std::vector<Value> args;
        if (last && command != nullptr) {
          for (size_t k = 1; k < command->children.size(); ++k) {
            args.push_back(Unboxed(EvalArg(dot, param, *command->children[k])));
          }
        }
        if (last && final != nullptr) args.push_back(Unboxed(ValidateType(*final, param)));
        At(node);
        receiver = named_method ? CallNamedMethod(*named, idents[i], receiver, args)
                                : CallValuesMethod(idents[i], receiver, args);
        continue;
      }
      receiver = EvalField(idents[i], node, has_args, receiver);
    }
    return receiver;
  }

  // Helm's common.Values has methods, which win over keys of the same name.
  static bool IsValuesMethod(std::string_view name) {
    return name == "YAML" || name == "Table" || name == "AsMap" || name == "Encode" ||
           name == "PathValue";
  }

  Value CallNamedMethod(const Methods& named, std::string_view name, const Value& self,
                        const std::vector<Value>& args) {
    Result<Value> result = named.Call(name, self, args);
    if (!result.ok()) {
      Errorf("error calling " + std::string(name) + ": " + result.status().message());
    }
    return std::move(*result);
  }

  Value CallValuesMethod(std::string_view name, const Value& values,
                         const std::vector<Value>& args) {
    size_t want = name == "YAML" || name == "AsMap" ? 0 : 1;
    if (args.size() != want) {
      Errorf("wrong number of args for " + std::string(name) + ": want " + std::to_string(want) +
             " got " + std::to_string(args.size()));
    }
    if (name == "AsMap") {
      Value map = Value::Map();
      map.mutable_map() = values.map();
      return map;
    }
    if (name == "YAML") {
      std::vector<Value> yaml_args = {values};
      Result<Value> text = FindFunction("toYaml")->impl(*this, yaml_args);
      return Value::String(text->string_value() + "\n");
    }
    if (name == "Table") {
      const std::string& key = args[0].string_value();
      auto found = values.map().find(key);
      if (key.find('.') != std::string::npos || found == values.map().end() ||
          found->second.kind() != Value::Kind::kMap) {
        Errorf("error calling Table: " + GoQuote(key) + " is not a table");
      }
      Value table = Value::Map(ElemType::kValues);
      table.mutable_map() = found->second.map();
      return table;
    }
    Errorf("error calling " + std::string(name) + ": not supported by Converge's template engine");
  }

  Value EvalField(std::string_view name, const Node& node, bool has_args, const Value& receiver) {
    At(node);
    if (receiver.IsNil() && !receiver.boxed()) return Value();
    if (receiver.kind() == Value::Kind::kMap && receiver.elem() != ElemType::kTime &&
        receiver.elem() != ElemType::kCertificate && !has_args) {
      auto found = receiver.map().find(name);
      Value result = found == receiver.map().end() ? Value() : found->second;
      result.set_boxed(receiver.HoldsInterfaces());
      return result;
    }
    std::string type = receiver.boxed() ? "interface {}" : receiver.TypeName();
    if (receiver.IsNil()) Errorf("nil pointer evaluating " + type + "." + std::string(name));
    // Structs held as maps: a certificate has its two fields; time.Time's methods (Year, Unix, …)
    // are not reproduced.
    bool is_struct =
        receiver.kind() == Value::Kind::kMap &&
        (receiver.elem() == ElemType::kTime ||
         (receiver.elem() == ElemType::kCertificate && !receiver.map().contains(name)));
    if (is_struct) Errorf("can't evaluate field " + std::string(name) + " in type " + type);
    if (receiver.kind() == Value::Kind::kMap) {
      if (has_args) Errorf(std::string(name) + " is not a method but has arguments");
      auto found = receiver.map().find(name);
      Value result = found == receiver.map().end() ? Value() : found->second;
      result.set_boxed(receiver.HoldsInterfaces());
      return result;
    }
    Errorf("can't evaluate field " + std::string(name) + " in type " + type);
  }

  Value EvalFunction(const Value& dot, const Node& identifier, const Node& command,
                     const Node* args_node, const Value* final) {
    At(identifier);
    std::span<Node* const> args;
    if (args_node != nullptr) args = std::span(args_node->children).subspan(1);
    return EvalCall(dot, *identifier.function, command, args, final);
  }

  Value EvalCall(const Value& dot, const FuncDef& def, const Node& node,
                 std::span<Node* const> args, const Value* final) {
    std::string_view params = def.params;
    bool variadic = params.ends_with('*');
    if (variadic) params.remove_suffix(1);
    size_t num_in = args.size() + (final != nullptr ? 1 : 0);
    const std::string_view name = def.name;
    if (variadic) {
      if (num_in < params.size() - 1) {
        Errorf("wrong number of args for " + std::string(name) + ": want at least " +
               std::to_string(params.size() - 1) + " got " + std::to_string(args.size()));
      }
    } else if (num_in != params.size()) {
      Errorf("wrong number of args for " + std::string(name) + ": want " +
             std::to_string(params.size()) + " got " + std::to_string(num_in));
    }
    auto param_at = [&](size_t i) { return i < params.size() ? params[i] : params.back(); };
    if (def.impl == &FnAnd || def.impl == &FnOr) {
      bool is_or = def.impl == &FnOr;
      Value value;
      for (const Node* arg : args) {
        value = Unboxed(EvalArg(dot, 'r', *arg));
        if (value.Truth() == is_or) return value;
      }
      if (final != nullptr) value = ValidateType(*final, 'r');
      return value;
    }
    std::vector<Value> argv;
    argv.reserve(num_in);
    for (size_t i = 0; i < args.size(); ++i) argv.push_back(EvalArg(dot, param_at(i), *args[i]));
    if (final != nullptr) argv.push_back(ValidateType(*final, param_at(num_in - 1)));
    for (Value& arg : argv) arg.set_boxed(false);
    At(node);
    Result<Value> result = def.impl(*this, argv);
    if (!result.ok()) {
      At(node);
      Errorf("error calling " + std::string(name) + ": " + result.status().message());
    }
    return std::move(*result);
  }

  Value ValidateType(Value value, char param) {
    if (param == 'a') return value;
    if (value.IsNil()) {
      // helm4 accepts a nil pipeline result where a builtin takes reflect.Value:
      // `and (.Values.missing) true` renders.
      if (param == 'r') return value;
      if (!value.boxed()) {
        if (param == 'm') return Value::Map();
        if (param == 'l') return Value();
        Errorf("invalid value; expected " + std::string(ParamTypeName(param)));
      }
      Errorf("wrong type for value; expected " + std::string(ParamTypeName(param)) +
             "; got interface {}");
    }
    if (param == 'r' || Matches(param, value)) return value;
    Errorf("wrong type for value; expected " + std::string(ParamTypeName(param)) + "; got " +
           value.TypeName());
  }

  Value EvalArg(const Value& dot, char param, const Node& node) {
    At(node);
    switch (node.type) {
      case NodeType::kDot:
        return ValidateType(dot, param);
      case NodeType::kNil:
        if (param == 'a' || param == 'r') return Value();
        if (param == 'm') return Value::Map();
        if (param == 'l') return Value();
        Errorf("cannot assign nil to " + std::string(ParamTypeName(param)));
      case NodeType::kField:
        return ValidateType(EvalFieldChain(dot, dot, node, node.idents, nullptr, nullptr), param);
      case NodeType::kVariable:
        return ValidateType(EvalVariable(dot, node, nullptr, nullptr), param);
      case NodeType::kPipe:
        return ValidateType(EvalPipeline(dot, node), param);
      case NodeType::kIdentifier:
        return ValidateType(EvalCall(dot, *node.function, node, {}, nullptr), param);
      case NodeType::kChain:
        return ValidateType(EvalChain(dot, node, nullptr, nullptr), param);
      default:
        break;
    }
    switch (param) {
      case 'b':
        if (node.type == NodeType::kBool) return Value::Bool(node.bool_value);
        Errorf("expected bool; found " + node.String());
      case 'f':
        if (node.type == NodeType::kNumber && node.is_float) return Value::Float(node.float_value);
        Errorf("expected float; found " + node.String());
      case 'i':
      case 'I':
        if (node.type == NodeType::kNumber && node.is_int) {
          return param == 'i' ? Value::Int(node.int_value) : Value::Int64(node.int_value);
        }
        Errorf("expected integer; found " + node.String());
      case 'u':
        if (node.type == NodeType::kNumber && node.is_uint) {
          return Value::Int64(static_cast<int64_t>(node.uint_value));
        }
        Errorf("expected unsigned integer; found " + node.String());
      case 's':
        if (node.type == NodeType::kString) return *node.constant;
        Errorf("expected string; found " + node.String());
      case 'a':
      case 'r':
        return EvalEmptyInterface(node);
      default:
        Errorf("can't handle " + node.String() + " for arg of type " +
               std::string(ParamTypeName(param)));
    }
  }

  Value EvalEmptyInterface(const Node& node) {
    switch (node.type) {
      case NodeType::kBool:
        return Value::Bool(node.bool_value);
      case NodeType::kNumber:
        return IdealConstant(node);
      case NodeType::kString:
        return *node.constant;
      default:
        Errorf("can't handle assignment of " + node.String() + " to empty interface argument");
    }
  }

  const TemplateSet& set_;
  Memo& memo_;
  LazyRandom& random_;
  std::string* out_;
  const Tree* tree_ = nullptr;
  const Node* node_ = nullptr;
  // The variables of every template being run; those of the innermost start at scope_.
  std::vector<Variable> vars_;
  size_t scope_ = 0;
  std::vector<TreeMap> overlays_;
  std::map<std::string, int> include_counts_;
  int depth_ = 0;
};

}  // namespace

TemplateSet::TemplateSet(Options options) : options_(options), memo_(std::make_unique<Memo>()) {}
TemplateSet::~TemplateSet() = default;
TemplateSet::TemplateSet(TemplateSet&&) noexcept = default;
TemplateSet& TemplateSet::operator=(TemplateSet&&) noexcept = default;

Status TemplateSet::AddFile(std::string_view name, std::string_view text) {
  Result<std::vector<std::unique_ptr<Tree>>> trees = Parse(name, text, &FindFunction);
  if (!trees.ok()) return trees.status();
  for (auto& tree : *trees) {
    auto existing = templates_.find(tree->name);
    if (existing != templates_.end() && IsEmptyTree(*tree->root)) continue;
    std::string tree_name = tree->name;
    templates_[tree_name] = std::shared_ptr<const Tree>(std::move(tree));
  }
  return Status();
}

bool TemplateSet::Has(std::string_view name) const { return templates_.contains(name); }

Result<std::string> TemplateSet::Execute(std::string_view name, const Value& data) const {
  auto found = templates_.find(name);
  if (found == templates_.end()) {
    return Status::NotFound("template: no template " + GoQuote(name) + " defined");
  }
  std::string out;
  LazyRandom random(options_.seed);
  Executor executor(*this, *memo_, random, out);
  try {
    executor.Run(*found->second, data);
  } catch (const ExecError& error) {
    return Status::Invalid(error.message);
  }
  return out;
}

Status ParseOnly(std::string_view name, std::string_view text) {
  Result<std::vector<std::unique_ptr<Tree>>> trees = Parse(name, text, &FindFunction);
  return trees.ok() ? Status() : trees.status();
}

std::string StripNoValue(std::string text) {
  constexpr std::string_view kNoValue = "<no value>";
  size_t found = text.find(kNoValue);
  if (found == std::string::npos) return text;
  std::string out;
  out.reserve(text.size());
  size_t start = 0;
  while (found != std::string::npos) {
    out.append(text, start, found - start);
    start = found + kNoValue.size();
    found = text.find(kNoValue, start);
  }
  out.append(text, start);
  return out;
}

bool HasFunction(std::string_view name) { return FindFunction(name) != nullptr; }

std::vector<std::string_view> FunctionNames() {
  std::vector<std::string_view> names;
  for (const FuncDef& def : FunctionTable()) names.push_back(def.name);
  return names;
}

}  // namespace converge::sources::helm::tmpl
