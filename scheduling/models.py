from django.db import models


class JobRun(models.Model):
    """When the scheduler last started a job: shared by every scheduler process, so an
    hourly job runs once an hour whichever of them holds the lock. Table `scheduler_jobs`."""

    name = models.CharField(max_length=50, primary_key=True)
    last_started_at = models.DateTimeField()
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        db_table = "scheduler_jobs"

    def __str__(self):
        return self.name
