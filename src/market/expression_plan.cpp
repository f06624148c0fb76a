#include "market/expression_plan.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>
#include <thread>

#include "market/indicators.hpp"

namespace tc::market {

std::string_view value_type_name(ValueType type) {
  switch (type) {
    case ValueType::kNumber:
      return "a number";
    case ValueType::kCondition:
      return "a condition";
    case ValueType::kText:
      return "text";
  }
  return "a value";
}

namespace plan_detail {

// clang-format off
enum class Op : uint8_t {
  kConstant, kField, kText, kTextCompare,
  kNeg, kAdd, kSub, kMul, kDiv, kAbs, kMin, kMax,
  kLt, kLe, kGt, kGe, kEq, kNe, kAnd, kOr, kNot,
  kShift,
  kSma, kEma, kWma, kRsi, kStddev, kHighest, kLowest, kRoc, kMomentum,
  kMacd, kMacdSignal, kMacdHist, kBbUpper, kBbLower, kAtr, kStochK, kStochD, kVwap,
  kCrossover, kCrossunder,
};
// clang-format on

// Bars of history as a count; kAll is "the whole series".
constexpr int kAll = std::numeric_limits<int>::max() / 4;
int add_history(int a, int b) { return std::min(kAll, a + b); }

enum BarField { kOpen, kHigh, kLow, kClose, kVolume, kVwapField, kBarFields };
enum TextField { kSymbol, kSector, kAssetClass };

struct Operation {
  Op op = Op::kConstant;
  ValueType type = ValueType::kNumber;
  std::array<int, 3> in{-1, -1, -1};  // operations read
  std::array<int, 3> p{0, 0, 0};      // whole-number parameters (periods, bars back)
  double value = 0;                   // a constant; a band's width in deviations
  int field = -1;                     // BarField or TextField; -1 for a text literal
  std::string text;                   // a text literal; a text comparison's operator
  int window = 0;                     // bars before a value that the operation reads
  int need = 0;                       // bars of history below this value, all inputs included
  int back = -1;                      // bars before the evaluated one to compute; -1: unused
  std::string key;                    // canonical form, for sharing
};

}  // namespace plan_detail

using plan_detail::add_history;
using plan_detail::kAll;
using plan_detail::Op;
using plan_detail::Operation;

namespace {

constexpr std::array<std::string_view, plan_detail::kBarFields> kBarFieldNames = {
    "open", "high", "low", "close", "volume", "vwap"};
constexpr std::array<std::string_view, 3> kTextFieldNames = {"symbol", "sector", "asset_class"};

struct Param {
  std::string_view name;
  double fallback;  // NaN: required
  bool whole;
  double min, max;
};

// How a function is written and what it compiles to.
struct Function {
  std::string_view name;
  int series;  // leading series arguments
  std::vector<Param> params;
  Op op;
  ValueType result;
};

constexpr double kRequired = std::numeric_limits<double>::quiet_NaN();
constexpr double kMaxPeriod = 100000;

Param period(double fallback = kRequired) { return {"period", fallback, true, 1, kMaxPeriod}; }
Param whole(std::string_view name, double fallback) {
  return {name, fallback, true, 1, kMaxPeriod};
}
std::vector<Param> macd_params() {
  return {whole("fast", 12), whole("slow", 26), whole("signal", 9)};
}
std::vector<Param> stochastic_params() {
  return {whole("k", 14), whole("smooth", 3), whole("d", 3)};
}

const std::vector<Function>& functions() {
  static const std::vector<Function> table = {
      {"sma", 1, {period()}, Op::kSma, ValueType::kNumber},
      {"ema", 1, {period()}, Op::kEma, ValueType::kNumber},
      {"wma", 1, {period()}, Op::kWma, ValueType::kNumber},
      {"rsi", 1, {period(14)}, Op::kRsi, ValueType::kNumber},
      {"stddev", 1, {period()}, Op::kStddev, ValueType::kNumber},
      {"highest", 1, {period()}, Op::kHighest, ValueType::kNumber},
      {"lowest", 1, {period()}, Op::kLowest, ValueType::kNumber},
      {"roc", 1, {period(10)}, Op::kRoc, ValueType::kNumber},
      {"pct_change", 1, {period(1)}, Op::kRoc, ValueType::kNumber},
      {"momentum", 1, {period(10)}, Op::kMomentum, ValueType::kNumber},
      {"mom", 1, {period(10)}, Op::kMomentum, ValueType::kNumber},
      {"macd", 1, macd_params(), Op::kMacd, ValueType::kNumber},
      {"macd_signal", 1, macd_params(), Op::kMacdSignal, ValueType::kNumber},
      {"macd_hist", 1, macd_params(), Op::kMacdHist, ValueType::kNumber},
      {"bb_upper", 1, {period(20), {"k", 2, false, 0, 100}}, Op::kBbUpper, ValueType::kNumber},
      {"bb_lower", 1, {period(20), {"k", 2, false, 0, 100}}, Op::kBbLower, ValueType::kNumber},
      {"bb_middle", 1, {period(20)}, Op::kSma, ValueType::kNumber},
      {"atr", 0, {period(14)}, Op::kAtr, ValueType::kNumber},
      {"stoch_k", 0, stochastic_params(), Op::kStochK, ValueType::kNumber},
      {"stoch_d", 0, stochastic_params(), Op::kStochD, ValueType::kNumber},
      {"vwap", 0, {period()}, Op::kVwap, ValueType::kNumber},
      {"dist_high", 0, {period()}, Op::kDiv, ValueType::kNumber},  // desugared below
      {"dist_low", 0, {period()}, Op::kDiv, ValueType::kNumber},   // desugared below
      {"crossover", 2, {}, Op::kCrossover, ValueType::kCondition},
      {"crossunder", 2, {}, Op::kCrossunder, ValueType::kCondition},
      {"abs", 1, {}, Op::kAbs, ValueType::kNumber},
      {"min", 2, {}, Op::kMin, ValueType::kNumber},
      {"max", 2, {}, Op::kMax, ValueType::kNumber},
  };
  return table;
}

const Function* find_function(std::string_view name) {
  for (const Function& f : functions()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::vector<std::string_view> all_names() {
  std::vector<std::string_view> names(kBarFieldNames.begin(), kBarFieldNames.end());
  names.insert(names.end(), kTextFieldNames.begin(), kTextFieldNames.end());
  for (const Function& f : functions()) names.push_back(f.name);
  return names;
}

std::vector<std::string_view> function_names() {
  std::vector<std::string_view> names;
  for (const Function& f : functions()) names.push_back(f.name);
  return names;
}

std::string signature(const Function& f) {
  std::string s = std::string(f.name) + "(";
  for (int i = 0; i < f.series; ++i) s += i == 0 ? "series" : ", series";
  for (size_t i = 0; i < f.params.size(); ++i) {
    if (f.series > 0 || i > 0) s += ", ";
    s += f.params[i].name;
    if (!std::isnan(f.params[i].fallback)) s += "?";
  }
  return s + ")";
}

std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

bool is_commutative(Op op) {
  switch (op) {
    case Op::kAdd:
    case Op::kMul:
    case Op::kMin:
    case Op::kMax:
    case Op::kEq:
    case Op::kNe:
    case Op::kAnd:
    case Op::kOr:
      return true;
    default:
      return false;
  }
}

// Bars before a value that `op` reads from its inputs.
int window_of(Op op, const std::array<int, 3>& p) {
  switch (op) {
    case Op::kSma:
    case Op::kWma:
    case Op::kStddev:
    case Op::kHighest:
    case Op::kLowest:
    case Op::kBbUpper:
    case Op::kBbLower:
    case Op::kVwap:
      return p[0] - 1;
    case Op::kRoc:
    case Op::kMomentum:
    case Op::kShift:
      return p[0];
    case Op::kStochK:
    case Op::kStochD:
      return p[0] - 1 + p[1] - 1 + p[2] - 1;
    case Op::kEma:
    case Op::kRsi:
    case Op::kMacd:
    case Op::kMacdSignal:
    case Op::kMacdHist:
    case Op::kAtr:
    case Op::kCrossover:
    case Op::kCrossunder:
      return kAll;  // recursive: computed over the whole series
    default:
      return 0;
  }
}

}  // namespace

// One add(): compiles a tree into operations, undoing its additions if it fails.
class ExpressionCompiler::Session {
 public:
  Session(ExpressionCompiler& c, std::string_view text)
      : c_(c), text_(text), first_new_(c.plan_.operations_.size()) {}

  ~Session() {
    if (committed_) return;
    auto& ops = c_.plan_.operations_;
    for (size_t i = first_new_; i < ops.size(); ++i) c_.by_key_.erase(ops[i].key);
    ops.resize(first_new_);
  }

  Result<int> compile(const ExpressionNode& n) {
    switch (n.kind) {
      case ExpressionNode::Kind::kNumber:
        return constant(n.number, ValueType::kNumber);
      case ExpressionNode::Kind::kBoolean:
        return constant(n.number, ValueType::kCondition);
      case ExpressionNode::Kind::kText: {
        Operation op;
        op.op = Op::kText;
        op.type = ValueType::kText;
        op.text = n.text;
        op.key = "'" + n.text + "'";
        return intern(std::move(op), n);
      }
      case ExpressionNode::Kind::kName:
        return name(n);
      case ExpressionNode::Kind::kCall:
        return call(n);
      case ExpressionNode::Kind::kUnary:
        return unary(n);
      case ExpressionNode::Kind::kBinary:
        return binary(n);
      case ExpressionNode::Kind::kIndex:
        return index(n);
    }
    return error(n, "unsupported expression");
  }

  void commit() { committed_ = true; }
  const Operation& op(int i) const { return c_.plan_.operations_[i]; }

  Status error_status(size_t offset, const std::string& what, const std::string& hint = "") const {
    std::string m = what + " at " + text_position(text_, offset);
    if (!hint.empty()) m += "; " + hint;
    return invalid_argument(std::move(m));
  }

 private:
  Status error(const ExpressionNode& n, const std::string& what, const std::string& hint = "") {
    return error_status(n.offset, what, hint);
  }

  // The operation with op's canonical form, added if new.
  Result<int> intern(Operation op, const ExpressionNode& at) {
    auto [it, inserted] = c_.by_key_.try_emplace(op.key, -1);
    if (!inserted) return it->second;
    auto& ops = c_.plan_.operations_;
    if (static_cast<int>(ops.size()) >= c_.plan_.limits_.max_nodes) {
      c_.by_key_.erase(it);
      return error(at, "the expressions need more than " +
                           std::to_string(c_.plan_.limits_.max_nodes) + " distinct operations");
    }
    op.window = window_of(op.op, op.p);
    op.need = 0;
    for (int input : op.in) {
      if (input >= 0) op.need = std::max(op.need, ops[input].need);
    }
    op.need = add_history(op.need, op.window);
    if (op.need != kAll && op.need > c_.plan_.limits_.max_lookback) {
      c_.by_key_.erase(it);
      return error(at, "this needs " + std::to_string(op.need) +
                           " bars of history before the bar it is computed at; the limit is " +
                           std::to_string(c_.plan_.limits_.max_lookback));
    }
    it->second = static_cast<int>(ops.size());
    ops.push_back(std::move(op));
    return it->second;
  }

  Result<int> make(Op code, ValueType type, std::array<int, 3> in, std::array<int, 3> p,
                   double value, const ExpressionNode& at) {
    Operation op;
    op.op = code;
    op.type = type;
    op.in = in;
    op.p = p;
    op.value = value;
    if (is_commutative(code) && in[0] > in[1]) std::swap(op.in[0], op.in[1]);
    op.key = "op" + std::to_string(static_cast<int>(code)) + "(";
    for (int i : op.in) {
      if (i >= 0) op.key += "#" + std::to_string(i) + ",";
    }
    for (int v : p) op.key += std::to_string(v) + ",";
    op.key += number_text(value) + ")";
    return intern(std::move(op), at);
  }

  Result<int> constant(double value, ValueType type) {
    Operation op;
    op.op = Op::kConstant;
    op.type = type;
    op.value = value;
    op.key = (type == ValueType::kCondition ? "b:" : "n:") + number_text(value);
    ExpressionNode at;
    return intern(std::move(op), at);
  }

  Result<int> bar_field(int field) {
    Operation op;
    op.op = Op::kField;
    op.field = field;
    op.key = std::string(kBarFieldNames[field]);
    ExpressionNode at;
    return intern(std::move(op), at);
  }

  Result<int> name(const ExpressionNode& n) {
    for (size_t i = 0; i < kBarFieldNames.size(); ++i) {
      if (n.text == kBarFieldNames[i]) return bar_field(static_cast<int>(i));
    }
    for (size_t i = 0; i < kTextFieldNames.size(); ++i) {
      if (n.text == kTextFieldNames[i]) {
        Operation op;
        op.op = Op::kText;
        op.type = ValueType::kText;
        op.field = static_cast<int>(i);
        op.key = std::string(kTextFieldNames[i]);
        return intern(std::move(op), n);
      }
    }
    if (const Function* f = find_function(n.text)) {
      return error(n, "'" + n.text + "' is a function", "call it: " + signature(*f));
    }
    std::string hint = closest_name(n.text, all_names());
    return error(n, "unknown name '" + n.text + "'",
                 hint.empty() ? "the bar fields are open, high, low, close, volume and vwap"
                              : "did you mean '" + hint + "'?");
  }

  // Compiles `n` and checks it has type `want`; `role` says what it is for the message.
  Result<int> typed(const ExpressionNode& n, ValueType want, const std::string& role) {
    auto id = compile(n);
    if (!id) return id;
    ValueType got = op(*id).type;
    if (got != want) {
      return error_status(n.start, role + " must be " + std::string(value_type_name(want)) +
                                       ", not " + std::string(value_type_name(got)));
    }
    return id;
  }

  // A parameter written as a number (or a negated one).
  std::optional<double> literal(const ExpressionNode& n) const {
    if (n.kind == ExpressionNode::Kind::kNumber) return n.number;
    if (n.kind == ExpressionNode::Kind::kUnary && n.text == "-" &&
        n.children[0]->kind == ExpressionNode::Kind::kNumber) {
      return -n.children[0]->number;
    }
    return std::nullopt;
  }

  Result<int> call(const ExpressionNode& n) {
    const Function* f = find_function(n.text);
    if (f == nullptr) {
      std::string hint = closest_name(n.text, function_names());
      return error(n, "unknown function '" + n.text + "'",
                   hint.empty() ? "GET /api/screener/filters shows examples"
                                : "did you mean '" + hint + "'?");
    }
    size_t given = n.children.size();
    size_t required = f->series, most = f->series + f->params.size();
    for (const Param& p : f->params) {
      if (std::isnan(p.fallback)) ++required;
    }
    if (given < required || given > most) {
      std::string takes = required == most
                              ? std::to_string(most)
                              : std::to_string(required) + " to " + std::to_string(most);
      return error(n,
                   "'" + n.text + "' takes " + takes + " argument" + (most == 1 ? "" : "s") +
                       ", given " + std::to_string(given),
                   "write " + signature(*f));
    }
    std::array<int, 3> in{-1, -1, -1};
    for (int i = 0; i < f->series; ++i) {
      auto id = typed(*n.children[i], ValueType::kNumber,
                      "argument " + std::to_string(i + 1) + " of '" + n.text + "'");
      if (!id) return id;
      in[i] = *id;
    }
    std::array<int, 3> p{0, 0, 0};
    double real = 0;
    for (size_t i = 0; i < f->params.size(); ++i) {
      const Param& spec = f->params[i];
      size_t at = f->series + i;
      double v = spec.fallback;
      if (at < given) {
        auto value = literal(*n.children[at]);
        std::string what = "argument " + std::to_string(at + 1) + " of '" + n.text + "' (" +
                           std::string(spec.name) + ")";
        if (!value) return error(*n.children[at], what + " must be a number written out");
        v = *value;
        bool whole_ok = !spec.whole || v == std::floor(v);
        if (!whole_ok || v < spec.min || v > spec.max) {
          return error(*n.children[at], what + " must be " +
                                            (spec.whole ? "a whole number" : "a number") +
                                            " from " + number_text(spec.min) + " to " +
                                            number_text(spec.max) + ", not " + number_text(v));
        }
      }
      if (spec.whole) {
        p[i] = static_cast<int>(v);
      } else {
        real = v;
      }
    }
    if (f->name == "dist_high" || f->name == "dist_low") return distance(n, f->name, p[0]);
    if (f->series == 0) {
      // Indicators over the bar itself read the bar fields they need.
      auto high = bar_field(plan_detail::kHigh), low = bar_field(plan_detail::kLow),
           close = bar_field(plan_detail::kClose);
      if (!high || !low || !close) return error(n, "internal: bar fields");
      if (f->op == Op::kVwap) {
        auto price = bar_field(plan_detail::kVwapField), volume = bar_field(plan_detail::kVolume);
        if (!price || !volume) return error(n, "internal: bar fields");
        in = {*price, *volume, -1};
      } else {
        in = {*high, *low, *close};
      }
    }
    if (f->op == Op::kMacd || f->op == Op::kMacdSignal || f->op == Op::kMacdHist) {
      if (p[0] > p[1]) std::swap(p[0], p[1]);  // TA-Lib swaps periods given the wrong way round
    }
    return make(f->op, f->result, in, p, real, n);
  }

  // dist_high(n): (close / highest(high, n) - 1) * 100; dist_low with lowest(low, n).
  Result<int> distance(const ExpressionNode& n, std::string_view name, int period) {
    bool high = name == "dist_high";
    auto field = bar_field(high ? plan_detail::kHigh : plan_detail::kLow);
    auto close = bar_field(plan_detail::kClose);
    if (!field || !close) return error(n, "internal: bar fields");
    auto extreme = make(high ? Op::kHighest : Op::kLowest, ValueType::kNumber, {*field, -1, -1},
                        {period, 0, 0}, 0, n);
    if (!extreme) return extreme;
    auto ratio = make(Op::kDiv, ValueType::kNumber, {*close, *extreme, -1}, {}, 0, n);
    auto one = constant(1, ValueType::kNumber);
    auto hundred = constant(100, ValueType::kNumber);
    if (!ratio || !one || !hundred) return error(n, "internal: constants");
    auto less = make(Op::kSub, ValueType::kNumber, {*ratio, *one, -1}, {}, 0, n);
    if (!less) return less;
    return make(Op::kMul, ValueType::kNumber, {*less, *hundred, -1}, {}, 0, n);
  }

  Result<int> unary(const ExpressionNode& n) {
    const ExpressionNode& operand = *n.children[0];
    if (n.text == "not") {
      auto id = typed(operand, ValueType::kCondition, "the operand of 'not'");
      if (!id) return id;
      return make(Op::kNot, ValueType::kCondition, {*id, -1, -1}, {}, 0, n);
    }
    if (operand.kind == ExpressionNode::Kind::kNumber) {
      return constant(-operand.number, ValueType::kNumber);
    }
    auto id = typed(operand, ValueType::kNumber, "the operand of '-'");
    if (!id) return id;
    return make(Op::kNeg, ValueType::kNumber, {*id, -1, -1}, {}, 0, n);
  }

  Result<int> binary(const ExpressionNode& n) {
    const std::string& o = n.text;
    if (o == "and" || o == "or") {
      auto a = typed(*n.children[0], ValueType::kCondition, "the left side of '" + o + "'");
      if (!a) return a;
      auto b = typed(*n.children[1], ValueType::kCondition, "the right side of '" + o + "'");
      if (!b) return b;
      return make(o == "and" ? Op::kAnd : Op::kOr, ValueType::kCondition, {*a, *b, -1}, {}, 0, n);
    }
    auto a = compile(*n.children[0]);
    if (!a) return a;
    auto b = compile(*n.children[1]);
    if (!b) return b;
    ValueType ta = op(*a).type, tb = op(*b).type;
    static const std::pair<std::string_view, Op> kArithmetic[] = {
        {"+", Op::kAdd}, {"-", Op::kSub}, {"*", Op::kMul}, {"/", Op::kDiv}};
    for (auto [symbol, code] : kArithmetic) {
      if (o != symbol) continue;
      for (auto [side, type, child] :
           {std::tuple{"left", ta, n.children[0].get()}, {"right", tb, n.children[1].get()}}) {
        if (type != ValueType::kNumber) {
          return error_status(child->start, std::string("the ") + side + " side of '" + o +
                                                "' must be a number, not " +
                                                std::string(value_type_name(type)));
        }
      }
      return make(code, ValueType::kNumber, {*a, *b, -1}, {}, 0, n);
    }
    static const std::pair<std::string_view, Op> kComparisons[] = {{"<", Op::kLt}, {"<=", Op::kLe},
                                                                   {">", Op::kGt}, {">=", Op::kGe},
                                                                   {"=", Op::kEq}, {"!=", Op::kNe}};
    for (auto [symbol, code] : kComparisons) {
      if (o != symbol) continue;
      if (ta != tb) {
        return error(n, "cannot compare " + std::string(value_type_name(ta)) + " with " +
                            std::string(value_type_name(tb)));
      }
      if (ta == ValueType::kText) {
        Operation cmp;
        cmp.op = Op::kTextCompare;
        cmp.type = ValueType::kCondition;
        cmp.in = {*a, *b, -1};
        cmp.text = o;
        cmp.key = "text" + o + "(#" + std::to_string(*a) + ",#" + std::to_string(*b) + ")";
        return intern(std::move(cmp), n);
      }
      if (ta == ValueType::kCondition && code != Op::kEq && code != Op::kNe) {
        return error(n, "conditions can only be compared with = and !=");
      }
      return make(code, ValueType::kCondition, {*a, *b, -1}, {}, 0, n);
    }
    return error(n, "unknown operator '" + o + "'");
  }

  Result<int> index(const ExpressionNode& n) {
    auto id = compile(*n.children[0]);
    if (!id) return id;
    ValueType type = op(*id).type;
    if (type == ValueType::kText) {
      return error(n, "text has no earlier bars", "only numbers and conditions can be indexed");
    }
    int limit = c_.plan_.limits_.max_lookback;
    if (n.number < 0 || n.number > limit) {
      return error(n, "bars back must be from 0 to " + std::to_string(limit) + ", not " +
                          number_text(n.number));
    }
    int back = static_cast<int>(n.number);
    if (back == 0) return id;
    return make(Op::kShift, type, {*id, -1, -1}, {back, 0, 0}, 0, n);
  }

  ExpressionCompiler& c_;
  std::string_view text_;
  size_t first_new_;
  bool committed_ = false;
};

ExpressionCompiler::ExpressionCompiler(ExpressionLimits limits) { plan_.limits_ = limits; }

Result<size_t> ExpressionCompiler::add(std::string_view text) {
  auto tree = parse_expression(text, plan_.limits_);
  if (!tree) return tree.status();
  Session session(*this, text);
  auto root = session.compile(**tree);
  if (!root) return root.status();
  if (session.op(*root).type == ValueType::kText) {
    return session.error_status((*tree)->start, "the expression is text",
                                "compare it, e.g. sector = 'Energy'");
  }
  session.commit();
  plan_.outputs_.push_back(*root);
  return plan_.outputs_.size() - 1;
}

Result<size_t> ExpressionCompiler::add(std::string_view text, ValueType type) {
  auto tree = parse_expression(text, plan_.limits_);
  if (!tree) return tree.status();
  Session session(*this, text);
  auto root = session.compile(**tree);
  if (!root) return root.status();
  ValueType got = session.op(*root).type;
  if (got != type) {
    return session.error_status(
        (*tree)->start,
        "the expression must be " + std::string(value_type_name(type)) + ", not " +
            std::string(value_type_name(got)),
        type == ValueType::kCondition ? "compare it, e.g. rsi(close, 14) < 30" : "");
  }
  session.commit();
  plan_.outputs_.push_back(*root);
  return plan_.outputs_.size() - 1;
}

ExpressionPlan ExpressionCompiler::build() {
  auto& ops = plan_.operations_;
  for (Operation& op : ops) op.back = -1;
  for (int root : plan_.outputs_) ops[root].back = std::max(ops[root].back, 0);
  // Inputs come before their users, so one pass from the end settles every operation's range.
  for (int i = static_cast<int>(ops.size()) - 1; i >= 0; --i) {
    const Operation& op = ops[i];
    if (op.back < 0) continue;
    int input_back = op.window == kAll ? kAll : add_history(op.back, op.window);
    if (op.op == Op::kTextCompare) continue;  // reads text, which has no range
    for (int input : op.in) {
      if (input >= 0) ops[input].back = std::max(ops[input].back, input_back);
    }
  }
  by_key_.clear();
  ExpressionPlan out = std::move(plan_);
  plan_ = ExpressionPlan();
  plan_.limits_ = out.limits_;
  return out;
}

ExpressionPlan::ExpressionPlan() = default;
ExpressionPlan::ExpressionPlan(ExpressionPlan&&) noexcept = default;
ExpressionPlan& ExpressionPlan::operator=(ExpressionPlan&&) noexcept = default;
ExpressionPlan::~ExpressionPlan() = default;

ValueType ExpressionPlan::output_type(size_t output) const {
  return operations_[outputs_[output]].type;
}

size_t ExpressionPlan::operations() const { return operations_.size(); }

struct ExpressionPlan::Scratch {
  std::vector<std::vector<double>> columns;
  std::vector<const double*> values;
};

namespace {

const std::vector<double>& bar_column(const BarSeries& s, int field) {
  switch (field) {
    case plan_detail::kOpen:
      return s.open;
    case plan_detail::kHigh:
      return s.high;
    case plan_detail::kLow:
      return s.low;
    case plan_detail::kClose:
      return s.close;
    case plan_detail::kVolume:
      return s.volume;
    default:
      return s.vwap;
  }
}

std::string_view text_value(const Operation& op, const Instrument& instrument) {
  switch (op.field) {
    case plan_detail::kSymbol:
      return instrument.id.symbol;
    case plan_detail::kSector:
      return instrument.sector;
    case plan_detail::kAssetClass:
      return asset_class_name(instrument.asset_class);
    default:
      return op.text;
  }
}

double truth(bool b) { return b ? 1.0 : 0.0; }

double compare(Op op, double a, double b) {
  if (is_missing(a) || is_missing(b)) return kMissing;
  switch (op) {
    case Op::kLt:
      return truth(a < b);
    case Op::kLe:
      return truth(a <= b);
    case Op::kGt:
      return truth(a > b);
    case Op::kGe:
      return truth(a >= b);
    case Op::kEq:
      return truth(a == b);
    default:
      return truth(a != b);
  }
}

// The mean of the `n` values of `x` ending at bar `j`; missing inside the warm-up or when one of
// them is (NaN propagates through the sum). Four partial sums keep the adds independent.
double window_mean(const double* x, int64_t j, int n) {
  if (j < n - 1) return kMissing;
  const double* w = x + j - n + 1;
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += w[i];
    s1 += w[i + 1];
    s2 += w[i + 2];
    s3 += w[i + 3];
  }
  for (; i < n; ++i) s0 += w[i];
  return ((s0 + s1) + (s2 + s3)) / n;
}

// Runs `step(j)` over bars [from, to], keeping the values from `keep` on.
template <typename Step>
void run(int64_t from, int64_t keep, int64_t to, double* out, Step step) {
  for (int64_t j = from; j <= to; ++j) {
    double v = step(j);
    if (j >= keep) out[j] = v;
  }
}

}  // namespace

void ExpressionPlan::evaluate_one(const Target& target, Scratch& scratch, double* out,
                                  bool every_bar) const {
  const BarSeries& series = *target.series;
  const int64_t at = static_cast<int64_t>(target.bar);
  const size_t length = target.bar + 1;
  for (size_t i = 0; i < operations_.size(); ++i) {
    const Operation& op = operations_[i];
    if (op.back < 0 || op.op == Op::kText) continue;
    if (op.op == Op::kField) {
      scratch.values[i] = bar_column(series, op.field).data();
      continue;
    }
    std::vector<double>& column = scratch.columns[i];
    if (column.size() < length) column.resize(length);
    double* o = column.data();
    scratch.values[i] = o;
    const int64_t keep = op.back == kAll || every_bar ? 0 : std::max<int64_t>(0, at - op.back);
    const int64_t from = op.window == kAll ? 0 : std::max<int64_t>(0, keep - op.window);
    const double* x = op.in[0] >= 0 ? scratch.values[op.in[0]] : nullptr;
    const double* y = op.in[1] >= 0 ? scratch.values[op.in[1]] : nullptr;
    const double* z = op.in[2] >= 0 ? scratch.values[op.in[2]] : nullptr;
    auto each = [&](auto f) { run(keep, keep, at, o, f); };
    switch (op.op) {
      case Op::kConstant:
        std::fill(o + keep, o + at + 1, op.value);
        break;
      case Op::kTextCompare: {
        std::string_view a = text_value(operations_[op.in[0]], series.instrument);
        std::string_view b = text_value(operations_[op.in[1]], series.instrument);
        int c = a.compare(b);
        bool r = op.text == "="    ? c == 0
                 : op.text == "!=" ? c != 0
                 : op.text == "<"  ? c < 0
                 : op.text == "<=" ? c <= 0
                 : op.text == ">"  ? c > 0
                                   : c >= 0;
        std::fill(o + keep, o + at + 1, truth(r));
        break;
      }
      case Op::kNeg:
        each([&](int64_t j) { return -x[j]; });
        break;
      case Op::kAdd:
        each([&](int64_t j) { return x[j] + y[j]; });
        break;
      case Op::kSub:
        each([&](int64_t j) { return x[j] - y[j]; });
        break;
      case Op::kMul:
        each([&](int64_t j) { return x[j] * y[j]; });
        break;
      case Op::kDiv:
        each([&](int64_t j) { return y[j] == 0 ? kMissing : x[j] / y[j]; });
        break;
      case Op::kAbs:
        each([&](int64_t j) { return std::abs(x[j]); });
        break;
      case Op::kMin:
        each([&](int64_t j) {
          return is_missing(x[j]) || is_missing(y[j]) ? kMissing : std::min(x[j], y[j]);
        });
        break;
      case Op::kMax:
        each([&](int64_t j) {
          return is_missing(x[j]) || is_missing(y[j]) ? kMissing : std::max(x[j], y[j]);
        });
        break;
      case Op::kLt:
      case Op::kLe:
      case Op::kGt:
      case Op::kGe:
      case Op::kEq:
      case Op::kNe:
        each([&](int64_t j) { return compare(op.op, x[j], y[j]); });
        break;
      case Op::kAnd:
        each([&](int64_t j) {
          if (x[j] == 0 || y[j] == 0) return 0.0;
          return is_missing(x[j]) || is_missing(y[j]) ? kMissing : 1.0;
        });
        break;
      case Op::kOr:
        each([&](int64_t j) {
          if (x[j] == 1 || y[j] == 1) return 1.0;
          return is_missing(x[j]) || is_missing(y[j]) ? kMissing : 0.0;
        });
        break;
      case Op::kNot:
        each([&](int64_t j) { return is_missing(x[j]) ? kMissing : 1 - x[j]; });
        break;
      case Op::kShift:
        each([&](int64_t j) { return j >= op.p[0] ? x[j - op.p[0]] : kMissing; });
        break;
      case Op::kSma:
        if ((at - keep + 1) * 4 <= op.p[0]) {
          // A few values of a long average (a screen's newest bar): summing each window
          // directly beats running the whole window through the incremental state.
          for (int64_t j = keep; j <= at; ++j) o[j] = window_mean(x, j, op.p[0]);
        } else {
          run(from, keep, at, o,
              [&, s = Sma(op.p[0])](int64_t j) mutable { return s.update(x[j]); });
        }
        break;
      case Op::kEma:
        run(from, keep, at, o, [&, s = Ema(op.p[0])](int64_t j) mutable { return s.update(x[j]); });
        break;
      case Op::kWma:
        run(from, keep, at, o, [&, s = Wma(op.p[0])](int64_t j) mutable { return s.update(x[j]); });
        break;
      case Op::kRsi:
        run(from, keep, at, o, [&, s = Rsi(op.p[0])](int64_t j) mutable { return s.update(x[j]); });
        break;
      case Op::kStddev:
        run(from, keep, at, o,
            [&, s = StdDev(op.p[0])](int64_t j) mutable { return s.update(x[j]); });
        break;
      case Op::kHighest:
      case Op::kLowest: {
        auto kind = op.op == Op::kHighest ? Extreme::Kind::kHighest : Extreme::Kind::kLowest;
        run(from, keep, at, o,
            [&, s = Extreme(kind, op.p[0])](int64_t j) mutable { return s.update(x[j]); });
        break;
      }
      case Op::kRoc:
        run(from, keep, at, o, [&, s = Roc(op.p[0])](int64_t j) mutable { return s.update(x[j]); });
        break;
      case Op::kMomentum:
        run(from, keep, at, o,
            [&, s = Momentum(op.p[0])](int64_t j) mutable { return s.update(x[j]); });
        break;
      case Op::kMacd:
      case Op::kMacdSignal:
      case Op::kMacdHist:
        run(from, keep, at, o, [&, s = Macd(op.p[0], op.p[1], op.p[2])](int64_t j) mutable {
          MacdValue v = s.update(x[j]);
          return op.op == Op::kMacd ? v.macd : op.op == Op::kMacdSignal ? v.signal : v.histogram;
        });
        break;
      case Op::kBbUpper:
      case Op::kBbLower:
        run(from, keep, at, o, [&, s = Bollinger(op.p[0], op.value)](int64_t j) mutable {
          BandsValue v = s.update(x[j]);
          return op.op == Op::kBbUpper ? v.upper : v.lower;
        });
        break;
      case Op::kAtr:
        run(from, keep, at, o,
            [&, s = Atr(op.p[0])](int64_t j) mutable { return s.update(x[j], y[j], z[j]); });
        break;
      case Op::kStochK:
      case Op::kStochD:
        run(from, keep, at, o, [&, s = Stochastic(op.p[0], op.p[1], op.p[2])](int64_t j) mutable {
          StochasticValue v = s.update(x[j], y[j], z[j]);
          return op.op == Op::kStochK ? v.k : v.d;
        });
        break;
      case Op::kVwap:
        run(from, keep, at, o,
            [&, s = RollingVwap(op.p[0])](int64_t j) mutable { return s.update(x[j], y[j]); });
        break;
      case Op::kCrossover:
      case Op::kCrossunder: {
        auto direction =
            op.op == Op::kCrossover ? Cross::Direction::kOver : Cross::Direction::kUnder;
        run(from, keep, at, o,
            [&, s = Cross(direction)](int64_t j) mutable { return s.update(x[j], y[j]); });
        break;
      }
      case Op::kField:
      case Op::kText:
        break;
    }
  }
  if (out == nullptr) return;
  for (size_t k = 0; k < outputs_.size(); ++k) out[k] = scratch.values[outputs_[k]][at];
}

std::vector<std::vector<double>> ExpressionPlan::evaluate_series(const BarSeries& series) const {
  std::vector<std::vector<double>> out(outputs_.size());
  if (series.size() == 0) return out;
  Scratch scratch;
  scratch.columns.resize(operations_.size());
  scratch.values.resize(operations_.size(), nullptr);
  evaluate_one({&series, series.size() - 1}, scratch, nullptr, true);
  for (size_t k = 0; k < outputs_.size(); ++k) {
    const double* column = scratch.values[outputs_[k]];
    out[k].assign(column, column + series.size());
  }
  return out;
}

Result<std::vector<double>> ExpressionPlan::evaluate(std::span<const Target> targets,
                                                     int threads) const {
  std::vector<double> values(targets.size() * outputs_.size(), kMissing);
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(limits_.max_evaluation_seconds));
  std::atomic<bool> late{false};
  // Evaluates targets [begin, end): each part has its own scratch columns.
  auto part = [&](size_t begin, size_t end) {
    Scratch scratch;
    scratch.columns.resize(operations_.size());
    scratch.values.resize(operations_.size(), nullptr);
    for (size_t t = begin; t < end; ++t) {
      if ((t - begin) % 64 == 63 &&
          (late.load(std::memory_order_relaxed) || std::chrono::steady_clock::now() > deadline)) {
        late = true;
        return;
      }
      if (targets[t].bar >= targets[t].series->size()) continue;  // no such bar: all missing
      evaluate_one(targets[t], scratch, values.data() + t * outputs_.size());
    }
  };
  size_t parts = std::clamp<size_t>(static_cast<size_t>(threads), 1,
                                    std::max<size_t>(1, targets.size() / kTargetsPerThread));
  std::vector<std::thread> helpers;
  size_t per_part = (targets.size() + parts - 1) / parts;
  for (size_t p = 1; p < parts; ++p) {
    helpers.emplace_back(part, p * per_part, std::min(targets.size(), (p + 1) * per_part));
  }
  part(0, std::min(targets.size(), per_part));
  for (std::thread& h : helpers) h.join();
  if (late) {
    return invalid_argument("the expressions took longer than " +
                            number_text(limits_.max_evaluation_seconds) +
                            " s to evaluate; simplify them or screen fewer instruments");
  }
  return values;
}

}  // namespace tc::market
