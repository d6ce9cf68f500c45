-- Undoes 0003_posts_categories: the posts and categories tables, with their policies and indexes.
DROP TABLE public.posts;
--> statement-breakpoint
DROP TABLE public.categories;
