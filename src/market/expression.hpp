// The expression language of the screener (and of rule strategies): conditions and values over an
// instrument's bar series, such as
//
//   close > sma(close, 200) and rsi(close, 14) < 35
//   crossover(sma(close, 10), sma(close, 50)) or sector = 'Technology'
//   (close - close[5]) / close[5] * 100
//
// This header is the syntax: parse() turns text into a tree (ExpressionNode) or an error naming
// the position ("unexpected ')' at 1:9"). Names, types and the plan that evaluates a tree are in
// expression_plan.hpp.
//
// Grammar, loosest binding first:
//   expression := or
//   or         := and ('or' and)*
//   and        := not ('and' not)*
//   not        := 'not' not | comparison
//   comparison := sum (('<' | '<=' | '>' | '>=' | '=' | '==' | '!=' | '<>') sum)?
//   sum        := product (('+' | '-') product)*
//   product    := unary (('*' | '/') unary)*
//   unary      := '-' unary | postfix
//   postfix    := primary ('[' whole number ']')*      -- the value that many bars back
//   primary    := number | 'text' | "text" | true | false | name | name '(' arguments ')'
//               | '(' expression ')'
// Keywords (and, or, not, true, false) are accepted in any case; names are lowercase.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.hpp"

namespace tc::market {

struct ExpressionLimits {
  size_t max_length = 4096;  // characters of text
  int max_depth = 64;        // nesting of operators, calls and parentheses
  int max_nodes = 512;       // distinct operations after shared ones are merged
  int max_lookback = 5000;   // bars of history a value may need before the bar it is computed at
  double max_evaluation_seconds = 2;  // one evaluation over a whole universe
};

struct ExpressionNode {
  enum class Kind { kNumber, kText, kBoolean, kName, kCall, kUnary, kBinary, kIndex };

  Kind kind = Kind::kNumber;
  size_t offset = 0;  // where the node is in the text: its operator, for operators
  size_t start = 0;   // where its text starts (its left operand, for a binary operator)
  std::string text;   // name, function, operator ("-", "not", "and", "<=", ...) or text literal
  double number = 0;  // number literal; boolean literal (1 or 0); bars back for kIndex
  std::vector<std::unique_ptr<ExpressionNode>> children;  // operands or arguments
};

// The tree of `text`, or invalid_argument: "<what is wrong> at <line>:<column>[; <hint>]".
// Refuses text longer than limits.max_length and nesting deeper than limits.max_depth.
Result<std::unique_ptr<ExpressionNode>> parse_expression(std::string_view text,
                                                         const ExpressionLimits& limits);

// "line:column" (both from 1) of byte `offset` in `text`.
std::string text_position(std::string_view text, size_t offset);

// The line and column (both from 1) that an error message of this module names (its first
// " at <line>:<column>"), or nullopt when it names none (a length limit, say).
std::optional<std::pair<int, int>> error_position(std::string_view message);

// The closest of `candidates` to `name` (by edit distance, at most 2 edits, any case), or "".
std::string closest_name(std::string_view name, const std::vector<std::string_view>& candidates);

}  // namespace tc::market
