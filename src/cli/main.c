/* isla: one binary, one subcommand per job. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "util/version.h"


static void usage(FILE *f)
{
    fputs("isla " ISLA_VERSION " - holiday-offer search engine\n"
          "\n"
          "usage: isla <command> [options]\n"
          "\n"
          "commands:\n"
          "  gen      write a realistic generated offer dump (CSV)\n"
          "  import   import an offer dump into a new data generation\n"
          "  serve    serve the newest generation over HTTP\n"
          "  pull     download a builder's newer generation into a data directory\n"
          "  query    run one search and print the API's JSON\n"
          "  bench    benchmark the search engine on a generation\n"
          "  keys     add, list, revoke or rotate API keys\n"
          "  jobs     list, show or retry background jobs\n"
          "  load     run a load-test plan against any HTTP service\n"
          "  version  print the version\n"
          "\n"
          "`isla <command> --help` describes each command's options.\n",
          f);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "gen"))
        return cmd_gen(argc - 1, argv + 1);
    if (!strcmp(cmd, "import"))
        return cmd_import(argc - 1, argv + 1);
    if (!strcmp(cmd, "serve"))
        return cmd_serve(argc - 1, argv + 1);
    if (!strcmp(cmd, "pull"))
        return cmd_pull(argc - 1, argv + 1);
    if (!strcmp(cmd, "query"))
        return cmd_query(argc - 1, argv + 1);
    if (!strcmp(cmd, "bench"))
        return cmd_bench(argc - 1, argv + 1);
    if (!strcmp(cmd, "keys"))
        return cmd_keys(argc - 1, argv + 1);
    if (!strcmp(cmd, "jobs"))
        return cmd_jobs(argc - 1, argv + 1);
    if (!strcmp(cmd, "load"))
        return cmd_load(argc - 1, argv + 1);
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        puts("isla " ISLA_VERSION);
        return 0;
    }
    if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "isla: unknown command '%s'\n\n", cmd);
    usage(stderr);
    return 2;
}
