"""Connect's views, split by audience: public pages, the signed-in portal, practice
administration, legacy-username linking and the access administrators' back office."""
