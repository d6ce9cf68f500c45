-- Undoes 0001_init: the users and items tables, their policies and indexes go with them.
DROP TABLE public.items;
--> statement-breakpoint
DROP TABLE public.users;
