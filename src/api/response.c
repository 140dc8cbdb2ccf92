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
