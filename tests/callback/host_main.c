/* The callback test host: the test workflows in one binary (their headers are generated). */
#include <stddef.h>

#include "cbbeat.h"
#include "cbsimple.h"
#include "cbtext.h"
#include "cbwfc.h"

int main(int argc, char **argv)
{
    static const cairn_workflow *const workflows[] = {&cbsimple_workflow, &cbtext_workflow,
                                                      &cbbeat_workflow, &cbwfc_workflow};
    return cairn_host_main(argc, argv, workflows, sizeof workflows / sizeof workflows[0]);
}
