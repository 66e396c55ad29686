/* The reliability test host: the torture, relay and fanout workflows in one binary. */
#include <stddef.h>

#include "fanout.h"
#include "relay.h"
#include "torture.h"

int main(int argc, char **argv)
{
    static const cairn_workflow *const workflows[] = {&torture_workflow, &relay_workflow,
                                                      &fanout_workflow};
    return cairn_host_main(argc, argv, workflows, sizeof workflows / sizeof workflows[0]);
}
