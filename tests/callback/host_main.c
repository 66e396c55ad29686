/* The callback test host: the test workflows in one binary (their headers are generated). */
#include <stddef.h>

#include "cbbeat.h"
#include "cbdeadbeat.h"
#include "cbdeadline.h"
#include "cbsimple.h"
#include "cbtext.h"
#include "cbwfc.h"
#include "cbwfcdead.h"

int main(int argc, char **argv)
{
    static const cairn_workflow *const workflows[] = {
        &cbsimple_workflow,   &cbtext_workflow,     &cbbeat_workflow,   &cbwfc_workflow,
        &cbdeadline_workflow, &cbdeadbeat_workflow, &cbwfcdead_workflow};
    return cairn_host_main(argc, argv, workflows, sizeof workflows / sizeof workflows[0]);
}
