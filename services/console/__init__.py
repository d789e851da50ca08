"""The console (工作台): the suite's web pages for mediators, lawyers, coordinators and auditors."""
