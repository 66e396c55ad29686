/* The console test host: tests/console's workflow and tests/serve's hello. */
#include <stddef.h>

#include "hello.h"
#include "review.h"

int main(int argc, char **argv)
{
    static const cairn_workflow *const workflows[] = {&review_workflow, &hello_workflow};
    return cairn_host_main(argc, argv, workflows, sizeof workflows / sizeof workflows[0]);
}
