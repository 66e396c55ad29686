/* The console test host: tests/console's workflows and tests/serve's hello. */
#include <stddef.h>

#include "hello.h"
#include "memo.h"
#include "review.h"

int main(int argc, char **argv)
{
    static const cairn_workflow *const workflows[] = {&review_workflow, &memo_workflow,
                                                      &hello_workflow};
    return cairn_host_main(argc, argv, workflows, sizeof workflows / sizeof workflows[0]);
}
