/* The serve test host: the workflows of tests/serve (their headers are generated). */
#include <stddef.h>

#include "hello.h"
#include "slowstep.h"
#include "waiter.h"

int main(int argc, char **argv)
{
    static const cairn_workflow *const workflows[] = {&hello_workflow, &waiter_workflow,
                                                      &slowstep_workflow};
    return cairn_host_main(argc, argv, workflows, sizeof workflows / sizeof workflows[0]);
}
