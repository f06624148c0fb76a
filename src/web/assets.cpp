#include "web/assets.hpp"

namespace tc::web {

std::string_view content_type_for(std::string_view path) {
  if (path.ends_with(".html")) return "text/html; charset=utf-8";
  if (path.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (path.ends_with(".css")) return "text/css; charset=utf-8";
  if (path.ends_with(".svg")) return "image/svg+xml";
  if (path.ends_with(".json")) return "application/json";
  return "application/octet-stream";
}

const Asset* find_asset(std::string_view path) {
  if (path == "/") path = "/index.html";
  if (path == "/docs" || path == "/docs/") path = "/docs/index.html";
  for (const Asset& a : assets()) {
    if (a.path == path) return &a;
  }
  return nullptr;
}

net::Response asset_response(const Asset& asset, const net::Request& request) {
  net::Response r;
  r.content_type = std::string(asset.content_type);
  if (!asset.gzip.empty()) {
    r.headers.emplace_back("Vary", "Accept-Encoding");
    if (request.accepts_gzip) {
      r.body = std::string(asset.gzip);
      r.headers.emplace_back("Content-Encoding", "gzip");
    }
  }
  if (r.body.empty()) r.body = std::string(asset.body);
  const bool page = asset.path.ends_with(".html");
  r.headers.emplace_back("Cache-Control", page ? "no-cache" : "max-age=3600");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (page) {
    // Everything the pages load comes from their own origin.
    r.headers.emplace_back("Content-Security-Policy",
                           "default-src 'self'; img-src 'self' data:; style-src 'self' "
                           "'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'");
  }
  return r;
}

}  // namespace tc::web
