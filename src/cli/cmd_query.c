/* `isla query`: one API request from the command line, same JSON as HTTP.
 *
 *   isla query --data DIR [PATH] key=value ...
 * PATH defaults to /bestOffersByHotel; e.g. /hotels/42/offers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "cli/args.h"
#include "cli/cli.h"
#include "dest/dest.h"
#include "util/buf.h"
#include "util/clock.h"

static void usage(FILE *f)
{
    fputs("usage: isla query --data DIR [--destination-names FILE] [PATH] key=value ...\n"
          "\n"
          "Runs one API request against the current generation in DIR and prints\n"
          "the JSON body the HTTP API would send. PATH defaults to\n"
          "/bestOffersByHotel; for a hotel's offers use /hotels/ID/offers.\n"
          "Exit status: 0 for a 2xx answer, 1 otherwise (the error JSON is printed).\n"
          "--destination-names FILE adds CODE;Name lines to the destination names\n"
          "(as isla serve --destination-names).\n"
          "\n"
          "example:\n"
          "  isla query --data data earliestDepartureDate=2023-07-01 \\\n"
          "      latestReturnDate=2023-08-31 duration=7 countAdults=2 departureAirports=HAM\n"
          "  isla query --data data destination=Mallorca departureDate=2023-07-01 \\\n"
          "      returnDate=2023-07-15 countAdults=2 fields=hotel.name,minPrice\n"
          "  isla query --data data /api/destinations\n",
          f);
}

int cmd_query(int argc, char **argv)
{
    const char *data = NULL, *path = "/bestOffersByHotel", *v;
    buf_t qs = {0};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else if (arg_value(argc, argv, &i, "--data", &v)) {
            data = v;
        } else if (arg_value(argc, argv, &i, "--destination-names", &v)) {
            char err[512];
            if (dest_load_file(v, err, sizeof err) != 0) {
                fprintf(stderr, "isla query: --destination-names: %s\n", err);
                buf_free(&qs);
                return 2;
            }
        } else if (argv[i][0] == '/') {
            path = argv[i];
        } else if (strchr(argv[i], '=')) {
            /* key=value pairs are joined as a query string; values are
             * passed as given, so encode '&' and '%' yourself if needed */
            if (qs.len)
                buf_putc(&qs, '&');
            buf_puts(&qs, argv[i]);
        } else {
            fprintf(stderr, "isla query: unexpected argument '%s' (see isla query --help)\n", argv[i]);
            return 2;
        }
    }
    if (!data) {
        fprintf(stderr, "isla query: --data DIR is required\n");
        return 2;
    }
    char err[512];
    store_t *s = store_open(data, false, err, sizeof err);
    if (!s) {
        fprintf(stderr, "isla query: %s\n", err);
        buf_free(&qs);
        return 1;
    }
    api_env env = {.started_unix_ms = clock_unix_ms()};
    api_request req = {.method = "GET", .method_len = 3, .path = path, .path_len = strlen(path),
                       .query = qs.data ? qs.data : "", .query_len = qs.len};
    api_response res;
    api_handle(s, &env, &req, &res);
    fwrite(res.body.data, 1, res.body.len, stdout);
    putchar('\n');
    int rc = res.status >= 200 && res.status < 300 ? 0 : 1;
    api_response_free(&res);
    buf_free(&qs);
    store_release(s);
    return rc;
}
