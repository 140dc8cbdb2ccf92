/* Subcommands of the isla binary, one file each under src/cli/. Each takes
 * the arguments after its name (argv[0] is the subcommand) and returns the
 * process exit code: 0 ok, 1 failure, 2 bad usage. */
#ifndef ISLA_CLI_H
#define ISLA_CLI_H

int cmd_gen(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_keys(int argc, char **argv);
int cmd_jobs(int argc, char **argv);
int cmd_load(int argc, char **argv);
int cmd_pull(int argc, char **argv);

#endif
