#include "market/expression.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <initializer_list>

namespace tc::market {
namespace {

enum class TokenKind { kEnd, kNumber, kText, kName, kSymbol };

struct Token {
  TokenKind kind = TokenKind::kEnd;
  size_t offset = 0;
  std::string text;  // the name or symbol as written; the text literal's content
  double number = 0;
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// "unexpected end of the expression", "unexpected ')'".
std::string unexpected(const Token& t);

std::string describe(const Token& t) {
  switch (t.kind) {
    case TokenKind::kEnd:
      return "the end of the expression";
    case TokenKind::kText:
      return "text '" + t.text + "'";
    default:
      return "'" + t.text + "'";
  }
}

std::string unexpected(const Token& t) {
  return t.kind == TokenKind::kEnd ? "unexpected end of the expression"
                                   : "unexpected " + describe(t);
}

class Parser {
 public:
  Parser(std::string_view text, const ExpressionLimits& limits) : text_(text), limits_(limits) {}

  Result<std::unique_ptr<ExpressionNode>> parse() {
    if (text_.size() > limits_.max_length) {
      return invalid_argument("the expression is " + std::to_string(text_.size()) +
                              " characters long; the limit is " +
                              std::to_string(limits_.max_length));
    }
    if (!advance()) return error_;
    auto root = parse_or();
    if (!root) return error_;
    if (token_.kind != TokenKind::kEnd) {
      fail(token_.offset, unexpected(token_), "expected an operator or the end of the expression");
      return error_;
    }
    return root;
  }

 private:
  using NodePtr = std::unique_ptr<ExpressionNode>;

  void fail(size_t offset, const std::string& what, const std::string& hint = "") {
    if (!error_.is_ok()) return;  // the first error is the one reported
    std::string m = what + " at " + text_position(text_, offset);
    if (!hint.empty()) m += "; " + hint;
    error_ = invalid_argument(std::move(m));
  }

  // Reads the next token into token_; false (with error_ set) on a character it cannot read.
  bool advance() {
    size_t i = pos_;
    while (i < text_.size() && std::isspace(static_cast<unsigned char>(text_[i]))) ++i;
    token_ = Token{TokenKind::kEnd, i, "", 0};
    if (i >= text_.size()) {
      pos_ = i;
      return true;
    }
    char c = text_[i];
    if (std::isdigit(static_cast<unsigned char>(c)) ||
        (c == '.' && i + 1 < text_.size() &&
         std::isdigit(static_cast<unsigned char>(text_[i + 1])))) {
      return read_number(i);
    }
    if (is_name_start(c)) {
      size_t j = i;
      while (j < text_.size() && is_name_char(text_[j])) ++j;
      token_ = Token{TokenKind::kName, i, std::string(text_.substr(i, j - i)), 0};
      pos_ = j;
      return true;
    }
    if (c == '\'' || c == '"') {
      size_t end = text_.find(c, i + 1);
      if (end == std::string_view::npos) {
        fail(i, "unterminated text", std::string("close it with ") + c);
        return false;
      }
      token_ = Token{TokenKind::kText, i, std::string(text_.substr(i + 1, end - i - 1)), 0};
      pos_ = end + 1;
      return true;
    }
    static constexpr std::string_view kTwo[] = {"<=", ">=", "==", "!=", "<>"};
    for (std::string_view op : kTwo) {
      if (text_.substr(i, 2) == op) {
        token_ = Token{TokenKind::kSymbol, i, std::string(op), 0};
        pos_ = i + 2;
        return true;
      }
    }
    if (std::string_view("+-*/()[],<>=").find(c) != std::string_view::npos) {
      token_ = Token{TokenKind::kSymbol, i, std::string(1, c), 0};
      pos_ = i + 1;
      return true;
    }
    std::string shown = std::isprint(static_cast<unsigned char>(c))
                            ? std::string(1, c)
                            : "byte " + std::to_string(static_cast<unsigned char>(c));
    fail(i, "unexpected character '" + shown + "'");
    return false;
  }

  bool read_number(size_t i) {
    size_t j = i;
    auto digits = [&] {
      while (j < text_.size() && std::isdigit(static_cast<unsigned char>(text_[j]))) ++j;
    };
    digits();
    if (j < text_.size() && text_[j] == '.') {
      ++j;
      digits();
    }
    if (j < text_.size() && (text_[j] == 'e' || text_[j] == 'E')) {
      size_t k = j + 1;
      if (k < text_.size() && (text_[k] == '+' || text_[k] == '-')) ++k;
      if (k < text_.size() && std::isdigit(static_cast<unsigned char>(text_[k]))) {
        j = k;
        digits();
      }
    }
    if (j < text_.size() && is_name_char(text_[j])) {
      size_t end = j;
      while (end < text_.size() && is_name_char(text_[end])) ++end;
      fail(i, "malformed number '" + std::string(text_.substr(i, end - i)) + "'");
      return false;
    }
    double value = 0;
    auto [end, ec] = std::from_chars(text_.data() + i, text_.data() + j, value);
    if (ec != std::errc() || end != text_.data() + j || !std::isfinite(value)) {
      fail(i, "number '" + std::string(text_.substr(i, j - i)) + "' is out of range");
      return false;
    }
    token_ = Token{TokenKind::kNumber, i, std::string(text_.substr(i, j - i)), value};
    pos_ = j;
    return true;
  }

  bool is_symbol(std::string_view s) const {
    return token_.kind == TokenKind::kSymbol && token_.text == s;
  }
  bool is_keyword(std::string_view k) const {
    return token_.kind == TokenKind::kName && lower(token_.text) == k;
  }

  // Counts one level of nesting; false (with error_) past the limit.
  bool enter(size_t offset) {
    if (++depth_ > limits_.max_depth) {
      fail(offset,
           "the expression nests deeper than " + std::to_string(limits_.max_depth) + " levels");
      return false;
    }
    return true;
  }

  struct DepthGuard {
    int& depth;
    ~DepthGuard() { --depth; }
  };

  NodePtr make(ExpressionNode::Kind kind, size_t offset, std::string text) {
    auto n = std::make_unique<ExpressionNode>();
    n->kind = kind;
    n->offset = offset;
    n->start = offset;
    n->text = std::move(text);
    return n;
  }

  NodePtr binary(std::string op, size_t offset, NodePtr left, NodePtr right) {
    auto n = make(ExpressionNode::Kind::kBinary, offset, std::move(op));
    n->start = left->start;
    n->children.push_back(std::move(left));
    n->children.push_back(std::move(right));
    return n;
  }

  // One level of left-associative binary operators: next (op next)*. Keywords are matched in
  // any case and written lowercase in the tree.
  NodePtr chain(NodePtr (Parser::*next)(), std::initializer_list<std::string_view> ops) {
    auto left = (this->*next)();
    while (left) {
      auto op = std::find_if(ops.begin(), ops.end(), [&](std::string_view o) {
        return std::isalpha(static_cast<unsigned char>(o[0])) ? is_keyword(o) : is_symbol(o);
      });
      if (op == ops.end()) break;
      size_t at = token_.offset;
      if (!advance()) return nullptr;
      auto right = (this->*next)();
      if (!right) return nullptr;
      left = binary(std::string(*op), at, std::move(left), std::move(right));
    }
    return left;
  }

  NodePtr parse_or() { return chain(&Parser::parse_and, {"or"}); }
  NodePtr parse_and() { return chain(&Parser::parse_not, {"and"}); }

  NodePtr parse_not() {
    if (!is_keyword("not")) return parse_comparison();
    size_t at = token_.offset;
    if (!enter(at)) return nullptr;
    DepthGuard guard{depth_};
    if (!advance()) return nullptr;
    auto operand = parse_not();
    if (!operand) return nullptr;
    auto n = make(ExpressionNode::Kind::kUnary, at, "not");
    n->children.push_back(std::move(operand));
    return n;
  }

  static bool is_comparison(const Token& t) {
    static constexpr std::string_view kOps[] = {"<", "<=", ">", ">=", "=", "==", "!=", "<>"};
    return t.kind == TokenKind::kSymbol &&
           std::find(std::begin(kOps), std::end(kOps), t.text) != std::end(kOps);
  }

  NodePtr parse_comparison() {
    auto left = parse_sum();
    if (!left || !is_comparison(token_)) return left;
    std::string op = token_.text == "==" ? "=" : token_.text == "<>" ? "!=" : token_.text;
    size_t at = token_.offset;
    if (!advance()) return nullptr;
    auto right = parse_sum();
    if (!right) return nullptr;
    if (is_comparison(token_)) {
      fail(token_.offset, "comparisons do not chain", "join them with 'and'");
      return nullptr;
    }
    return binary(op, at, std::move(left), std::move(right));
  }

  NodePtr parse_sum() { return chain(&Parser::parse_product, {"+", "-"}); }
  NodePtr parse_product() { return chain(&Parser::parse_unary, {"*", "/"}); }

  NodePtr parse_unary() {
    if (!is_symbol("-")) return parse_postfix();
    size_t at = token_.offset;
    if (!enter(at)) return nullptr;
    DepthGuard guard{depth_};
    if (!advance()) return nullptr;
    auto operand = parse_unary();
    if (!operand) return nullptr;
    auto n = make(ExpressionNode::Kind::kUnary, at, "-");
    n->children.push_back(std::move(operand));
    return n;
  }

  NodePtr parse_postfix() {
    auto node = parse_primary();
    while (node && is_symbol("[")) {
      size_t at = token_.offset;
      if (!enter(at)) return nullptr;
      DepthGuard guard{depth_};
      if (!advance()) return nullptr;
      if (token_.kind != TokenKind::kNumber || token_.number != std::floor(token_.number)) {
        fail(token_.offset, "expected a whole number of bars back, found " + describe(token_),
             "write x[1] for the previous bar");
        return nullptr;
      }
      double back = token_.number;
      if (!advance()) return nullptr;
      if (!is_symbol("]")) {
        fail(token_.offset, "expected ']', found " + describe(token_));
        return nullptr;
      }
      if (!advance()) return nullptr;
      auto n = make(ExpressionNode::Kind::kIndex, at, "[]");
      n->start = node->start;
      n->number = back;
      n->children.push_back(std::move(node));
      node = std::move(n);
    }
    return node;
  }

  NodePtr parse_primary() {
    Token t = token_;
    switch (t.kind) {
      case TokenKind::kNumber: {
        if (!advance()) return nullptr;
        auto n = make(ExpressionNode::Kind::kNumber, t.offset, t.text);
        n->number = t.number;
        return n;
      }
      case TokenKind::kText:
        if (!advance()) return nullptr;
        return make(ExpressionNode::Kind::kText, t.offset, t.text);
      case TokenKind::kName:
        return parse_name();
      case TokenKind::kSymbol:
        if (t.text == "(") {
          if (!enter(t.offset)) return nullptr;
          DepthGuard guard{depth_};
          if (!advance()) return nullptr;
          auto inner = parse_or();
          if (!inner) return nullptr;
          if (!is_symbol(")")) {
            fail(token_.offset, "expected ')' to close the '(' opened at " +
                                    text_position(text_, t.offset) + ", found " + describe(token_));
            return nullptr;
          }
          if (!advance()) return nullptr;
          inner->start = t.offset;
          return inner;
        }
        break;
      case TokenKind::kEnd:
        break;
    }
    fail(t.offset, unexpected(t), "expected a number, a name or '('");
    return nullptr;
  }

  NodePtr parse_name() {
    Token t = token_;
    std::string keyword = lower(t.text);
    if (keyword == "and" || keyword == "or" || keyword == "not") {
      fail(t.offset, "unexpected '" + t.text + "'", "expected a value before it");
      return nullptr;
    }
    if (!advance()) return nullptr;
    if (keyword == "true" || keyword == "false") {
      auto n = make(ExpressionNode::Kind::kBoolean, t.offset, keyword);
      n->number = keyword == "true" ? 1 : 0;
      return n;
    }
    if (!is_symbol("(")) return make(ExpressionNode::Kind::kName, t.offset, t.text);
    if (!enter(t.offset)) return nullptr;
    DepthGuard guard{depth_};
    auto call = make(ExpressionNode::Kind::kCall, t.offset, t.text);
    if (!advance()) return nullptr;
    if (is_symbol(")")) return advance() ? std::move(call) : nullptr;
    while (true) {
      auto argument = parse_or();
      if (!argument) return nullptr;
      call->children.push_back(std::move(argument));
      if (is_symbol(")")) break;
      if (!is_symbol(",")) {
        fail(token_.offset,
             "expected ',' or ')' in the arguments of '" + t.text + "', found " + describe(token_));
        return nullptr;
      }
      if (!advance()) return nullptr;
    }
    if (!advance()) return nullptr;
    return call;
  }

  std::string_view text_;
  const ExpressionLimits& limits_;
  size_t pos_ = 0;
  Token token_;
  int depth_ = 0;
  Status error_;
};

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      size_t same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                    std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

Result<std::unique_ptr<ExpressionNode>> parse_expression(std::string_view text,
                                                         const ExpressionLimits& limits) {
  return Parser(text, limits).parse();
}

std::string text_position(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  size_t line = 1, column = 1;
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return std::to_string(line) + ":" + std::to_string(column);
}

std::optional<std::pair<int, int>> error_position(std::string_view message) {
  // Reads a whole number at the front of `s`, moving past it.
  auto number = [](std::string_view& s) -> std::optional<int> {
    int n = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc() || n <= 0) return std::nullopt;
    s.remove_prefix(static_cast<size_t>(end - s.data()));
    return n;
  };
  for (size_t at = message.find(" at "); at != std::string_view::npos;
       at = message.find(" at ", at + 1)) {
    std::string_view rest = message.substr(at + 4);
    auto line = number(rest);
    if (!line || rest.empty() || rest.front() != ':') continue;
    rest.remove_prefix(1);
    if (auto column = number(rest)) return std::pair{*line, *column};
  }
  return std::nullopt;
}

std::string closest_name(std::string_view name, const std::vector<std::string_view>& candidates) {
  if (name.size() > 64) return "";
  std::string best;
  size_t best_distance = 3;
  for (std::string_view c : candidates) {
    size_t d = edit_distance(name, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

}  // namespace tc::market
