/* GET /api/health (and /api/health/ready): 200 with the generation and
 * its import figures once data is loaded, 503 "starting" before. */
#include "api/endpoints.h"
#include "util/clock.h"

/* Appends the fleet's parts to a health object whose closing brace is the
 * last byte of b. Redis down is "degraded", never a reason to be unready:
 * every answer can still come from the engine. */
static void fleet_health(const api_env *env, buf_t *b)
{
    if (env == NULL || (env->redis_status == NULL && env->follow_status == NULL))
        return;
    b->len--; /* the closing brace */
    if (env->redis_status != NULL)
        buf_printf(b, ",\"redis\":\"%s\"", env->redis_status());
    if (env->follow_status != NULL) {
        BUF_LIT(b, ",\"follow\":");
        env->follow_status(b);
    }
    buf_putc(b, '}');
}

void api_health(const api_call *c, api_response *res)
{
    store_t *s = c->store;
    uint64_t now = clock_unix_ms();
    double uptime = c->env ? (double)(now - c->env->started_unix_ms) / 1000.0 : 0;
    res->content_type = "application/json";
    buf_t *b = &res->body;
    if (!s) {
        res->status = 503;
        buf_printf(b, "{\"status\":\"starting\",\"generation\":null,\"offers\":0,\"hotels\":0,\"uptime\":%.3f}",
                   uptime);
        fleet_health(c->env, b);
        return;
    }
    res->status = 200;
    const store_import_stats *st = &s->stats;
    buf_printf(b,
               "{\"status\":\"ok\",\"generation\":%llu,\"offers\":%u,\"hotels\":%u,\"uptime\":%.3f,"
               "\"dataAge\":%.0f,\"import\":{\"rows\":%llu,\"imported\":%llu,\"rejected\":%llu,"
               "\"duplicates\":%llu,\"unknownHotelRows\":%llu,\"durationMs\":%llu,\"createdUnix\":%llu}}",
               (unsigned long long)s->generation, s->n_offers, s->n_hotels, uptime,
               (double)now / 1000.0 - (double)st->created_unix, (unsigned long long)st->rows,
               (unsigned long long)st->imported, (unsigned long long)st->rejected,
               (unsigned long long)st->duplicates, (unsigned long long)st->unknown_hotel_rows,
               (unsigned long long)st->duration_ms, (unsigned long long)st->created_unix);
    fleet_health(c->env, b);
}
