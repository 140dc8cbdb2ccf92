/* API responses and the JSON error format. */
#include "api/response.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void api_error(api_response *res, int status, const char *code, const char *param, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    res->status = status;
    res->content_type = "application/json";
    res->body.len = 0;
    res->has_total = false;
    BUF_LIT(&res->body, "{\"error\":{\"code\":");
    buf_put_json_str(&res->body, code, strlen(code));
    BUF_LIT(&res->body, ",\"message\":");
    buf_put_json_str(&res->body, msg, strlen(msg));
    BUF_LIT(&res->body, ",\"param\":");
    if (param)
        buf_put_json_str(&res->body, param, strlen(param));
    else
        BUF_LIT(&res->body, "null");
    BUF_LIT(&res->body, "}}");
}

void api_ok_json(api_response *res)
{
    res->status = 200;
    res->content_type = "application/json";
}

void api_response_free(api_response *res)
{
    buf_free(&res->body);
}

const char *api_echo(char *out, size_t cap, const char *v, size_t n, size_t max)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    size_t take = n > max ? max : n;
    for (size_t i = 0; i < take && o + 8 <= cap; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c < 0x20 || c == 0x7f) {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        } else {
            out[o++] = (char)c;
        }
    }
    if (take < n && o + 4 <= cap) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
    return out;
}
