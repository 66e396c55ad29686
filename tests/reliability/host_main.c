/* The reliability test host: the torture, relay, fanout and relay_fan workflows in one binary. */
#include <stddef.h>

#include "fanout.h"
#include "rel_child.h"
#include "relay.h"
#include "relay_fan.h"
#include "torture.h"

int main(int argc, char **argv)
{
    static const cairn_workflow *const workflows[] = {&torture_workflow, &relay_workflow,
                                                      &fanout_workflow, &relay_fan_workflow,
                                                      &rel_child_workflow};
    return cairn_host_main(argc, argv, workflows, sizeof workflows / sizeof workflows[0]);
}
